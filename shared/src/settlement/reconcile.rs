//! Reconciliation: whether a report (a notification, or a settlement file's lines) is a
//! payment the voucher already holds or a new one. Pure: the voucher object loads what
//! it holds, asks, and writes the answer in one transaction.
//!
//! **One payment is one payment, whatever reports it.** A notification or a search names
//! a payment in full ([`PaymentIdentity`]); a settlement line names it in the file's form
//! ([`Listed`]: Efecty's last six characters, maybe blank; PagoEfectivo's operation
//! number), or not at all. The rules, the same in every order the reports arrive:
//!
//! 1. **Identity first.** A report names a held payment when the identities agree: a
//!    notification's whole identity equals the payment's; a line's listed form is the
//!    listed form of the payment's whole identity, or what an earlier line said of it.
//! 2. **Then amount and collection day.** A report that names no payment (a blank
//!    authorization, or one that matches nothing) is paired with a payment of the same
//!    code and amount, paid the same day (UTC−05:00, both networks' zone), that the other
//!    road has not reported yet: a line with a payment no file listed yet, a
//!    notification with a payment only files reported. Why pair even when both sides
//!    carry identities that differ: nothing but the sandbox says Efecty fills the file's
//!    six characters from the notification's authorization, and if it does not, refusing
//!    to pair would count every cash payment twice (and, with automatic refunds, pay
//!    back money never received); a wrong pairing counts the money once, and the line
//!    still shows the authorization it carried.
//! 3. **Listed again.** A line that still names nothing is the same payment listed again
//!    (`duplicate`) when a file already listed a payment of that code, amount and day
//!    whose identity does not contradict the line's (the line is blank, or the payment
//!    has no identity at all). A blank authorization carries no identity, so two lines
//!    of one code, amount and day without one are one payment: the file cannot say
//!    otherwise, and counting one cash payment twice is the costlier mistake.
//! 4. **Else a new payment**, decided by [`Life::decide`]: it pays a pending voucher, or
//!    is kept as the unexpected payment it is (late, or a second one).
//!
//! All of one voucher's lines in one file are decided together, identity matches
//! (rule 1) for all of them before any pairing (rule 2), and lines with an authorization
//! before blank ones, so the order of lines inside a file never changes the outcome. A
//! line number is never an identity.

use super::Category;
use crate::money::Money;
use crate::network::Network;
use crate::payment::{Listed, PaymentIdentity};
use crate::state::Anomaly;
use crate::voucher::{Life, NotificationOutcome, Payment, PaymentOutcome, Report};
use time::{Date, OffsetDateTime};

/// A payment a voucher holds, as reconciliation sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The code it was paid under.
    pub code: String,
    /// Its whole identity, once a notification or a search named it (`None` while only
    /// settlement lines have).
    pub identity: Option<PaymentIdentity>,
    /// What the settlement lines that listed it said (blank ones say nothing).
    pub aliases: Vec<Listed>,
    /// Whether a settlement line listed it.
    pub listed: bool,
    /// What was paid.
    pub amount: Money,
    /// When (for a payment a file reported first: 00:00 of its collection day).
    pub paid_at: OffsetDateTime,
    /// Whether it paid the voucher or is an unexpected payment.
    pub outcome: PaymentOutcome,
}

impl Held {
    /// Whether a line that says `listed` names this payment.
    fn is_named(&self, listed: &Listed) -> bool {
        self.identity
            .as_ref()
            .is_some_and(|id| id.is_listed_as(listed))
            || self.aliases.contains(listed)
    }

    /// Whether nothing names it: no notification, and only blank lines.
    fn is_anonymous(&self) -> bool {
        self.identity.is_none() && self.aliases.is_empty()
    }
}

/// One line of a settlement file about a voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLine {
    /// Its 1-based line in the file (never an identity).
    pub line: usize,
    /// What it says of the payment's identity (`None`: blank).
    pub listed: Option<Listed>,
    /// What it says was paid.
    pub amount: Money,
    /// When (Efecty: 00:00 of the collection day), if it says.
    pub paid_at: Option<OffsetDateTime>,
}

/// A payment a line is about: one the voucher held (an index into the `held` given), or
/// one the decision adds (an index into [`Settled::payments`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentRef {
    /// `held[i]`.
    Held(usize),
    /// `payments[i]` of the same decision.
    New(usize),
}

/// What became of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineOutcome {
    /// The line.
    pub line: usize,
    /// Its category.
    pub category: Category,
    /// The payment it listed or recorded (`None` when it was refused).
    pub payment: Option<PaymentRef>,
    /// What the line did as a report, for the voucher's audit trail: it recorded a
    /// payment (`applied`, `unexpected_payment`) or was refused (`amount_mismatch`,
    /// `currency_mismatch`). `None` when it only listed a payment already held.
    pub report: Option<NotificationOutcome>,
}

/// A payment a line adds to the voucher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The line that reported it.
    pub line: usize,
    /// What that line said of its identity.
    pub listed: Option<Listed>,
    /// The payment to record.
    pub payment: Payment,
}

/// What one file's lines do to one voucher: write all of it in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The voucher after them (equal to the input when nothing changed).
    pub life: Life,
    /// Payments to add, in the order they were decided.
    pub payments: Vec<NewPayment>,
    /// One outcome per line, in the order the lines were given.
    pub lines: Vec<LineOutcome>,
}

/// The day of `at` in `network`'s zone.
fn day(network: Network, at: OffsetDateTime) -> Date {
    at.to_offset(network.utc_offset()).date()
}

/// Which held payment a notification (or search) of `identity` reports, if any: the
/// same identity; else a payment of `code` only files reported, whose listed identity is
/// the notification's; else one of `code`, `amount` and the same day that only files
/// reported (one no line named first). `None`: a payment the voucher does not hold.
///
/// ```
/// use time::macros::datetime;
/// use vale_shared::{Currency, Money, Network};
/// use vale_shared::payment::{Listed, PaymentIdentity};
/// use vale_shared::settlement::reconcile::{Held, pair_notification};
/// use vale_shared::voucher::PaymentOutcome;
/// let amount = Money::new(5_000_000, Currency::Cop)?;
/// // The file paid the voucher first, listing authorization 123456.
/// let held = [Held {
///     code: "100000000420".into(), identity: None,
///     aliases: vec![Listed::of_line(Network::Efecty, Some("123456")).unwrap()],
///     listed: true, amount, paid_at: datetime!(2026-11-24 0:00 -5),
///     outcome: PaymentOutcome::Applied,
/// }];
/// // Efecty's late notification carries the whole authorization: the same payment.
/// let late = PaymentIdentity::Efecty("A123456".into());
/// let at = datetime!(2026-11-24 16:05 -5);
/// assert_eq!(pair_notification(Network::Efecty, &held, "100000000420", &late, amount, at), Some(0));
/// # Ok::<(), vale_shared::MoneyError>(())
/// ```
pub fn pair_notification(
    network: Network,
    held: &[Held],
    code: &str,
    identity: &PaymentIdentity,
    amount: Money,
    paid_at: OffsetDateTime,
) -> Option<usize> {
    let find = |ok: &dyn Fn(&Held) -> bool| held.iter().position(ok);
    if let Some(i) = find(&|h| h.identity.as_ref() == Some(identity)) {
        return Some(i);
    }
    let listed = identity.listed();
    let unnamed = |h: &Held| h.code == code && h.identity.is_none();
    if let Some(i) = find(&|h| unnamed(h) && h.aliases.contains(&listed)) {
        return Some(i);
    }
    let same = |h: &Held| {
        unnamed(h) && h.amount == amount && day(network, h.paid_at) == day(network, paid_at)
    };
    find(&|h| same(h) && h.is_anonymous()).or_else(|| find(&same))
}

/// The category of a line listing a held payment for the first time.
fn category_of_held(outcome: PaymentOutcome) -> Category {
    match outcome {
        PaymentOutcome::Applied => Category::Matched,
        PaymentOutcome::Unexpected(anomaly) => category_of_anomaly(anomaly),
    }
}

/// The category of a line that recorded a new payment.
fn category_of_new(outcome: PaymentOutcome) -> Category {
    match outcome {
        PaymentOutcome::Applied => Category::PaidWithoutNotification,
        PaymentOutcome::Unexpected(anomaly) => category_of_anomaly(anomaly),
    }
}

fn category_of_anomaly(anomaly: Anomaly) -> Category {
    match anomaly {
        Anomaly::PaidAfterExpiry | Anomaly::PaidAfterCancel => Category::LatePayment,
        Anomaly::PaidTwice | Anomaly::CodeMismatch => Category::UnexpectedPayment,
    }
}

/// A payment as the decision tracks it: what was held, and what it adds.
struct Known {
    held: Held,
    origin: PaymentRef,
}

/// The lines of one file about one voucher (code `code`, asking for `due`), against the
/// payments it holds, at `now` (the voucher's clock): see the module's rules.
///
/// ```
/// use time::{Duration, macros::datetime};
/// use vale_shared::{Currency, Money, Network, VoucherStatus};
/// use vale_shared::payment::Listed;
/// use vale_shared::settlement::Category;
/// use vale_shared::settlement::reconcile::{FileLine, settle};
/// use vale_shared::voucher::Life;
/// let due = Money::new(5_000_000, Currency::Cop)?;
/// let life = Life::pending(datetime!(2026-11-25 23:59:59 -5), Duration::hours(12));
/// let line = |line, six: &str| FileLine {
///     line, listed: Listed::of_line(Network::Efecty, Some(six)), amount: due,
///     paid_at: Some(datetime!(2026-11-24 0:00 -5)),
/// };
/// // One code listed twice with two authorizations: the first pays the voucher, the
/// // second is a second payment.
/// let s = settle(Network::Efecty, life, due, "100000000420", &[], &[line(3, "111111"), line(4, "222222")],
///                datetime!(2026-11-25 09:00 -5));
/// assert_eq!(s.life.status, VoucherStatus::Paid);
/// let categories: Vec<Category> = s.lines.iter().map(|l| l.category).collect();
/// assert_eq!(categories, [Category::PaidWithoutNotification, Category::UnexpectedPayment]);
/// assert_eq!(s.payments.len(), 2);
/// # Ok::<(), vale_shared::MoneyError>(())
/// ```
pub fn settle(
    network: Network,
    life: Life,
    due: Money,
    code: &str,
    held: &[Held],
    lines: &[FileLine],
    now: OffsetDateTime,
) -> Settled {
    let mut known: Vec<Known> = held
        .iter()
        .enumerate()
        .map(|(i, h)| Known {
            held: h.clone(),
            origin: PaymentRef::Held(i),
        })
        .collect();
    let mut outcomes: Vec<Option<LineOutcome>> = vec![None; lines.len()];
    let mut payments = Vec::new();
    let mut life = life;
    // Lines with an authorization first, then blank ones, each in file order.
    let order: Vec<usize> = (0..lines.len())
        .filter(|&i| lines.get(i).is_some_and(|l| l.listed.is_some()))
        .chain((0..lines.len()).filter(|&i| lines.get(i).is_some_and(|l| l.listed.is_none())))
        .collect();
    let same_day = |a: OffsetDateTime, b: Option<OffsetDateTime>| {
        b.is_none_or(|b| day(network, a) == day(network, b))
    };
    let refused = |line: &FileLine| {
        if line.amount.currency() == due.currency() {
            NotificationOutcome::AmountMismatch
        } else {
            NotificationOutcome::CurrencyMismatch
        }
    };

    // Rule 1: identity, for every line before any pairing.
    for &i in &order {
        let Some(line) = lines.get(i) else { continue };
        let Some(listed) = &line.listed else { continue };
        let named: Vec<usize> = (0..known.len())
            .filter(|&k| {
                known
                    .get(k)
                    .is_some_and(|k| k.held.code == code && k.held.is_named(listed))
            })
            .collect();
        if named.is_empty() {
            continue;
        }
        let paid: Vec<usize> = named
            .iter()
            .copied()
            .filter(|&k| known.get(k).is_some_and(|k| k.held.amount == line.amount))
            .collect();
        let outcome = match paid
            .iter()
            .copied()
            .find(|&k| known.get(k).is_some_and(|k| !k.held.listed))
            .or_else(|| paid.first().copied())
        {
            Some(k) => list(&mut known, k, line),
            None => LineOutcome {
                line: line.line,
                category: Category::AmountMismatch,
                payment: None,
                report: Some(refused(line)),
            },
        };
        if let Some(slot) = outcomes.get_mut(i) {
            *slot = Some(outcome);
        }
    }

    // Rule 2: pair with a payment no file listed yet, same amount and day.
    for &i in &order {
        let Some(line) = lines.get(i) else { continue };
        if outcomes.get(i).is_some_and(Option::is_some) {
            continue;
        }
        let open = |k: &Known| {
            k.held.code == code
                && !k.held.listed
                && k.held.amount == line.amount
                && same_day(k.held.paid_at, line.paid_at)
        };
        let pick = known
            .iter()
            .position(|k| open(k) && k.held.is_anonymous())
            .or_else(|| known.iter().position(open));
        if let Some(k) = pick {
            let outcome = list(&mut known, k, line);
            if let Some(slot) = outcomes.get_mut(i) {
                *slot = Some(outcome);
            }
        }
    }

    // Rules 3 and 4: listed again, else a new payment.
    for &i in &order {
        let Some(line) = lines.get(i) else { continue };
        if outcomes.get(i).is_some_and(Option::is_some) {
            continue;
        }
        // A payment this file added under the same identity; else one a file listed of
        // that code, amount and day that the line's identity does not contradict.
        let named = |k: &Known| {
            line.listed
                .as_ref()
                .is_some_and(|l| k.held.code == code && k.held.is_named(l))
                && k.held.amount == line.amount
        };
        let again = |k: &Known| {
            k.held.code == code
                && k.held.listed
                && k.held.amount == line.amount
                && same_day(k.held.paid_at, line.paid_at)
                && (line.listed.is_none() || k.held.is_anonymous())
        };
        let named_first = known.iter().position(named);
        let outcome = if let Some(k) = named_first.or_else(|| known.iter().position(again)) {
            list(&mut known, k, line)
        } else {
            let decision = life.decide(
                due,
                false,
                Report::Paid {
                    amount: line.amount,
                    paid_at: line.paid_at,
                },
                now,
            );
            life = decision.life;
            match decision.payment {
                Some(payment) => {
                    let index = payments.len();
                    payments.push(NewPayment {
                        line: line.line,
                        listed: line.listed.clone(),
                        payment,
                    });
                    known.push(Known {
                        held: Held {
                            code: code.to_owned(),
                            identity: None,
                            aliases: line.listed.iter().cloned().collect(),
                            listed: true,
                            amount: payment.amount,
                            paid_at: payment.paid_at,
                            outcome: payment.outcome,
                        },
                        origin: PaymentRef::New(index),
                    });
                    LineOutcome {
                        line: line.line,
                        category: category_of_new(payment.outcome),
                        payment: Some(PaymentRef::New(index)),
                        report: Some(decision.outcome),
                    }
                }
                // A refusal (amount or currency): nothing recorded but the audit row.
                None => LineOutcome {
                    line: line.line,
                    category: Category::AmountMismatch,
                    payment: None,
                    report: Some(decision.outcome),
                },
            }
        };
        if let Some(slot) = outcomes.get_mut(i) {
            *slot = Some(outcome);
        }
    }

    Settled {
        life,
        payments,
        lines: outcomes
            .into_iter()
            .zip(lines)
            .map(|(outcome, line)| {
                // Every line was decided by one of the passes; kept total all the same.
                outcome.unwrap_or(LineOutcome {
                    line: line.line,
                    category: Category::AmountMismatch,
                    payment: None,
                    report: None,
                })
            })
            .collect(),
    }
}

/// `line` lists `known[k]`: its first listing says what the payment is, any later one is
/// a duplicate. What the line says of its identity is kept with the payment.
fn list(known: &mut [Known], k: usize, line: &FileLine) -> LineOutcome {
    let Some(payment) = known.get_mut(k) else {
        return LineOutcome {
            line: line.line,
            category: Category::AmountMismatch,
            payment: None,
            report: None,
        };
    };
    let category = if payment.held.listed {
        Category::Duplicate
    } else {
        payment.held.listed = true;
        category_of_held(payment.held.outcome)
    };
    if let Some(listed) = &line.listed
        && !payment.held.is_named(listed)
    {
        payment.held.aliases.push(listed.clone());
    }
    LineOutcome {
        line: line.line,
        category,
        payment: Some(payment.origin),
        report: None,
    }
}

#[cfg(test)]
mod tests;
