//! The seller ledger fed through reconciliation exactly as the voucher object feeds it:
//! one or two cash payments of a split voucher, each reported by notifications and by
//! settlement files in any interleaving (blank or identified lines, files repeated). The
//! ledger must book each payment the voucher holds once, and make its rows available
//! exactly when a file listed it (settlement identity, issue #19, carried into #23).

use super::ledger::{self, Book, PaymentRef, Slot, TxnStatus, TxnType};
use super::split::{Split, Taken};
use crate::id::{AccountId, VoucherId};
use crate::money::{Currency, Money};
use crate::network::Network;
use crate::payment::{Listed, PaymentIdentity};
use crate::settlement::reconcile::{self, FileLine, Held, pair_notification};
use crate::voucher::{Life, PaymentOutcome, Report};
use proptest::prelude::*;
use std::collections::BTreeSet;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const CODE: &str = "100000000420";
const EXPIRES: OffsetDateTime = datetime!(2026-11-25 23:59:59 -5);
const PAID: OffsetDateTime = datetime!(2026-11-24 16:05 -5);
const DAY: OffsetDateTime = datetime!(2026-11-24 0:00 -5);
const NOW: OffsetDateTime = datetime!(2026-11-25 09:00 -5);

fn due(network: Network) -> Money {
    match network {
        Network::Efecty => Money::new(5_000_000, Currency::Cop).unwrap(),
        Network::Pagoefectivo => Money::new(250_000, Currency::Pen).unwrap(),
    }
}

/// Two sellers and the platform's fee.
fn split(network: Network) -> Split {
    let amount = due(network);
    let body = format!(
        r#"{{"splits":[{{"account":"{}","amount":{}}},{{"account":"{}","amount":{}}}]}}"#,
        AccountId::from_random([1; 15]),
        amount.minor() / 2,
        AccountId::from_random([2; 15]),
        amount.minor() / 4,
    );
    Taken::from_body(body.as_bytes())
        .1
        .split(amount, None)
        .unwrap()
        .unwrap()
}

/// A voucher object and the seller ledger it feeds.
struct Sim {
    network: Network,
    life: Life,
    held: Vec<Held>,
    split: Split,
    book: Book,
}

impl Sim {
    fn voucher() -> VoucherId {
        VoucherId::from_random([7; 15])
    }

    /// The ledger's name of held payment `i`: the voucher's own, or its n-th unexpected one.
    fn slot(&self, i: usize) -> PaymentRef {
        let before = self.held.get(..i).unwrap_or_default();
        let slot = match self.held.get(i).map(|h| h.outcome) {
            Some(PaymentOutcome::Applied) => Slot::Own,
            _ => Slot::Unexpected(
                u32::try_from(
                    before
                        .iter()
                        .filter(|h| h.outcome != PaymentOutcome::Applied)
                        .count(),
                )
                .unwrap(),
            ),
        };
        PaymentRef {
            voucher: Sim::voucher(),
            slot,
        }
    }

    fn book_new(&mut self, i: usize) {
        let p = self.slot(i);
        let amount = self.held.get(i).unwrap().amount;
        let d = ledger::book_payment(&self.book, &p, Some(&self.split), amount, NOW).unwrap();
        self.book.apply(&d);
    }

    fn notify(&mut self, id: &PaymentIdentity) {
        let amount = due(self.network);
        let paired = pair_notification(self.network, &self.held, CODE, id, amount, PAID);
        let report = Report::Paid {
            amount,
            paid_at: Some(PAID),
        };
        let decision = self.life.decide(amount, paired.is_some(), report, NOW);
        self.life = decision.life;
        if let Some(held) = paired.and_then(|i| self.held.get_mut(i))
            && held.identity.is_none()
        {
            held.identity = Some(id.clone());
        }
        if let Some(p) = decision.payment {
            self.held.push(Held {
                code: CODE.into(),
                identity: Some(id.clone()),
                aliases: Vec::new(),
                listed: false,
                amount: p.amount,
                paid_at: p.paid_at,
                outcome: p.outcome,
            });
            self.book_new(self.held.len() - 1);
        }
    }

    fn file(&mut self, lines: &[FileLine]) {
        let settled = reconcile::settle(
            self.network,
            self.life,
            due(self.network),
            CODE,
            &self.held,
            lines,
            NOW,
        );
        let base = self.held.len();
        for p in &settled.payments {
            self.held.push(Held {
                code: CODE.into(),
                identity: None,
                aliases: Vec::new(),
                listed: false,
                amount: p.payment.amount,
                paid_at: p.payment.paid_at,
                outcome: p.payment.outcome,
            });
            self.book_new(self.held.len() - 1);
        }
        for (outcome, line) in settled.lines.iter().zip(lines) {
            let index = match outcome.payment {
                Some(reconcile::PaymentRef::Held(i)) => i,
                Some(reconcile::PaymentRef::New(i)) => base + i,
                None => continue,
            };
            if outcome.category.lists_a_payment() {
                let d = ledger::settle(&self.book, &self.slot(index), NOW);
                self.book.apply(&d);
            }
            let held = self.held.get_mut(index).unwrap();
            held.listed = true;
            if let Some(listed) = &line.listed
                && !held.aliases.contains(listed)
            {
                held.aliases.push(listed.clone());
            }
        }
        self.life = settled.life;
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// A notification of payment 0 or 1.
    Notify(usize),
    /// A file listing payments (which one, and whether the line carries its identity).
    File(Vec<(usize, bool)>),
}

fn identity(network: Network) -> impl Strategy<Value = PaymentIdentity> {
    "[A-Za-z0-9_-]{1,24}"
        .prop_map(move |id| match network {
            Network::Efecty => PaymentIdentity::Efecty(id),
            Network::Pagoefectivo => PaymentIdentity::Pagoefectivo(id),
        })
        .prop_filter("listed as something", |id| {
            Listed::of_line(id.network(), Some(&id.file_form())).is_some()
        })
}

proptest! {
    /// Issue #19 and #23: however notifications and files report one or two payments of
    /// a split voucher, the ledger books each payment the voucher holds once, the
    /// balances add up to what the voucher holds, and a payment's rows are available
    /// exactly when a file listed it.
    #[test]
    fn each_payment_is_booked_once_and_available_when_listed(
        (network, ids) in prop::sample::select(Network::ALL.to_vec())
            .prop_flat_map(|n| (Just(n), [identity(n), identity(n)])),
        steps in prop::collection::vec(
            prop_oneof![
                (0_usize..2).prop_map(Step::Notify),
                prop::collection::vec((0_usize..2, any::<bool>()), 1..=3).prop_map(Step::File),
            ],
            1..10,
        ),
    ) {
        prop_assume!(ids[0].listed() != ids[1].listed());
        let mut sim = Sim {
            network,
            life: Life::pending(EXPIRES, Duration::hours(12)),
            held: Vec::new(),
            split: split(network),
            book: Book::default(),
        };
        for step in &steps {
            match step {
                Step::Notify(which) => sim.notify(&ids[*which]),
                Step::File(listed) => {
                    let lines: Vec<FileLine> = listed
                        .iter()
                        .enumerate()
                        .map(|(n, &(which, identified))| FileLine {
                            line: n + 3,
                            listed: Listed::of_line(network, Some(&ids[which].file_form()))
                                .filter(|_| identified),
                            amount: due(network),
                            paid_at: Some(match network {
                                Network::Efecty => DAY,
                                Network::Pagoefectivo => PAID,
                            }),
                        })
                        .collect();
                    sim.file(&lines);
                }
            }
        }
        let held: i64 = sim.held.iter().map(|h| h.amount.minor()).sum();
        let booked: i64 = sim.book.txns.iter().map(|t| t.amount).sum();
        prop_assert_eq!(booked, held, "the ledger holds what the voucher holds");
        let refs: BTreeSet<PaymentRef> = sim
            .book
            .txns
            .iter()
            .filter(|t| t.kind == TxnType::Payment)
            .filter_map(|t| t.payment.clone())
            .collect();
        prop_assert_eq!(refs.len(), sim.held.len(), "one booking per payment");
        prop_assert!(sim.held.len() <= 2);
        for (i, h) in sim.held.iter().enumerate() {
            let p = sim.slot(i);
            prop_assert_eq!(sim.book.settled.contains(&p), h.listed, "{:?}", p);
            for t in sim.book.txns.iter().filter(|t| t.payment.as_ref() == Some(&p)) {
                prop_assert_eq!(t.status == TxnStatus::Available, h.listed);
            }
        }
    }
}
