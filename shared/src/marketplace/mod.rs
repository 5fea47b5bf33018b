//! Marketplaces (issue #23): a platform takes cash for its sellers, splits it, pays them
//! out and reconciles per seller. The pure core; the edge's seller-ledger object loads,
//! asks these functions and writes their answers in one transaction.
//!
//! - [`account`]: the seller's account (`acct_…`), its create and update bodies, what is
//!   due and its status, its document kept only masked.
//! - [`split`]: `splits[]` and the one-seller shorthand, checked strictly against the
//!   sellers (never booked silently to the platform).
//! - [`checkout`]: a cart as one voucher, or cut into one voucher per seller.
//! - [`allocate`]: dividing money exactly in whole cash steps.
//! - [`split_wire`]: a voucher's split as the API shows it and as it is stored.
//! - [`ledger`]: balance transactions from payments, settlement, refunds and payouts.
//! - [`objects`]: the balance transaction, balance and payout objects of the API.
//! - [`statement`]: a seller's statement as CSV.
//! - `stored`: an account as the seller-ledger object stores it.
//!
//! The design, and what the contract left open, is in `docs/marketplaces.md`.

pub mod account;
pub mod allocate;
pub mod checkout;
pub mod ledger;
pub mod objects;
pub mod split;
pub mod split_wire;
pub mod statement;
mod stored;

#[cfg(test)]
mod conservation;
#[cfg(test)]
mod identity;

pub use account::{
    Account, AccountLimits, AccountStatus, AccountUpdate, Country, Document, Interval, NewAccount,
    Requirement,
};
pub use split::{Share, Split};

/// A closed set of wire names: the enum, `ALL`, `as_str` and `FromStr` (`Err = ()`).
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every value, in the contract's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or(())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}
pub(crate) use wire_enum;
