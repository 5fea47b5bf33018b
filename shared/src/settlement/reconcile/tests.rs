//! The reconciliation rules, case by case (each regression names the review finding it
//! pins), and as properties over any interleaving of notifications and file lines.

use super::*;
use crate::money::Currency;
use proptest::prelude::*;
use time::Duration;
use time::macros::datetime;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const CODE: &str = "100000000420";
const EXPIRES: OffsetDateTime = datetime!(2026-11-25 23:59:59 -5);
/// When the shopper paid (the notification's `paid_at`).
const PAID: OffsetDateTime = datetime!(2026-11-24 16:05 -5);
/// The collection day as an Efecty file says it (00:00 of the day).
const DAY: OffsetDateTime = datetime!(2026-11-24 0:00 -5);
/// When the reports are decided: before the deadline.
const NOW: OffsetDateTime = datetime!(2026-11-25 09:00 -5);

fn due(network: Network) -> Money {
    match network {
        Network::Efecty => Money::new(5_000_000, Currency::Cop).unwrap(),
        Network::Pagoefectivo => Money::new(2_500, Currency::Pen).unwrap(),
    }
}

/// Where the voucher is when the payment under test is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    Pending,
    Expired,
    Cancelled,
    /// Paid by another payment (authorization `Z999999`, or operation `Z-1`) the day before.
    Paid,
}

/// A voucher as the edge stores it for reconciliation: its life and its payments, each
/// with the identities and listings the edge would have written.
struct Voucher {
    network: Network,
    life: Life,
    held: Vec<Held>,
    /// How many payments it held before the reports under test.
    before: usize,
}

impl Voucher {
    fn new(network: Network, start: Start) -> Voucher {
        let pending = Life::pending(EXPIRES, Duration::hours(12));
        let earlier = datetime!(2026-11-23 10:00 -5);
        let mut voucher = Voucher {
            network,
            life: pending,
            held: Vec::new(),
            before: 0,
        };
        match start {
            Start::Pending => {}
            Start::Expired => voucher.life = pending.expire_now(earlier).unwrap(),
            Start::Cancelled => voucher.life = pending.cancel(earlier).unwrap(),
            Start::Paid => {
                let other = match network {
                    Network::Efecty => PaymentIdentity::Efecty("Z999999".into()),
                    Network::Pagoefectivo => PaymentIdentity::Pagoefectivo("Z-1".into()),
                };
                voucher.notify(&other, earlier, earlier);
                voucher.before = 1;
            }
        }
        voucher
    }

    /// A notification (or search) of `id`, as the voucher object applies it.
    fn notify(
        &mut self,
        id: &PaymentIdentity,
        paid_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> NotificationOutcome {
        let amount = due(self.network);
        let paired = pair_notification(self.network, &self.held, CODE, id, amount, paid_at);
        let report = Report::Paid {
            amount,
            paid_at: Some(paid_at),
        };
        let decision = self.life.decide(amount, paired.is_some(), report, now);
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
        }
        decision.outcome
    }

    /// One file's lines about this voucher, as the voucher object applies them.
    fn file(&mut self, lines: &[FileLine]) -> Vec<Category> {
        let settled = settle(
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
        }
        for (outcome, line) in settled.lines.iter().zip(lines) {
            let index = match outcome.payment {
                Some(PaymentRef::Held(i)) => i,
                Some(PaymentRef::New(i)) => base + i,
                None => continue,
            };
            let held = self.held.get_mut(index).unwrap();
            held.listed = true;
            if let Some(listed) = &line.listed
                && !held.aliases.contains(listed)
            {
                held.aliases.push(listed.clone());
            }
        }
        self.life = settled.life;
        settled.lines.iter().map(|l| l.category).collect()
    }

    /// Payments added since it was made.
    fn new_payments(&self) -> usize {
        self.held.len() - self.before
    }
}

fn efecty(full: &str) -> PaymentIdentity {
    PaymentIdentity::Efecty(full.into())
}

fn line(network: Network, n: usize, listed: Option<&str>) -> FileLine {
    FileLine {
        line: n,
        listed: Listed::of_line(network, listed),
        amount: due(network),
        paid_at: Some(match network {
            Network::Efecty => DAY,
            Network::Pagoefectivo => PAID,
        }),
    }
}

/// Regression (review H1): a file that paid a pending voucher, then Efecty's late
/// notification of the same payment with the whole authorization, was a second payment
/// (`paid_twice`). Every pair of lengths: the notification is a duplicate.
#[test]
fn a_late_notification_of_a_payment_the_file_reported_is_a_duplicate() {
    for (full, six) in [
        ("A123456", "123456"),
        ("9f3a0c1b2e4d5a6b7c8d9e0f", "8d9e0f"),
        ("ABC", "000ABC"),
    ] {
        for start in [Start::Pending, Start::Expired, Start::Cancelled] {
            let mut v = Voucher::new(Network::Efecty, start);
            let first = v.file(&[line(Network::Efecty, 3, Some(six))]);
            let expected = if start == Start::Pending {
                Category::PaidWithoutNotification
            } else {
                Category::LatePayment
            };
            assert_eq!(first, [expected], "{full} {start:?}");
            let late = v.notify(&efecty(full), PAID, NOW);
            assert_eq!(late, NotificationOutcome::Duplicate, "{full} {start:?}");
            assert_eq!(v.new_payments(), 1, "{full} {start:?}");
            assert_eq!(v.held.last().unwrap().identity, Some(efecty(full)));
        }
    }
}

/// Regression (review H1): on an expired or cancelled voucher, the notification's late
/// payment and the next day's file line of it were two unexpected payments.
#[test]
fn a_file_line_of_a_late_payment_already_notified_is_that_payment() {
    for start in [Start::Expired, Start::Cancelled] {
        let mut v = Voucher::new(Network::Efecty, start);
        assert_eq!(
            v.notify(&efecty("A123456"), PAID, NOW),
            NotificationOutcome::UnexpectedPayment
        );
        let lines = v.file(&[line(Network::Efecty, 3, Some("123456"))]);
        assert_eq!(lines, [Category::LatePayment]);
        assert_eq!(v.new_payments(), 1);
        // The next file lists it again.
        assert_eq!(
            v.file(&[line(Network::Efecty, 7, Some("123456"))]),
            [Category::Duplicate]
        );
        assert_eq!(v.new_payments(), 1);
    }
}

/// Regression (review H1): a blank authorization made the key `line-N`, so the same
/// payment in two files, or twice in one, became two payments.
#[test]
fn blank_authorizations_never_make_a_line_number_an_identity() {
    let mut v = Voucher::new(Network::Efecty, Start::Expired);
    let first = v.file(&[
        line(Network::Efecty, 3, None),
        line(Network::Efecty, 4, None),
    ]);
    assert_eq!(first, [Category::LatePayment, Category::Duplicate]);
    assert_eq!(
        v.file(&[line(Network::Efecty, 9, None)]),
        [Category::Duplicate]
    );
    assert_eq!(
        v.notify(&efecty("A123456"), PAID, NOW),
        NotificationOutcome::Duplicate
    );
    assert_eq!(v.new_payments(), 1);
}

/// Regression (review M2): one code listed twice with two authorizations was reported
/// `matched` twice, and the second payment was never recorded.
#[test]
fn a_second_authorization_for_a_paid_code_is_an_unexpected_payment() {
    let mut v = Voucher::new(Network::Efecty, Start::Pending);
    v.notify(&efecty("A111111"), PAID, NOW);
    let lines = v.file(&[
        line(Network::Efecty, 3, Some("111111")),
        line(Network::Efecty, 4, Some("222222")),
    ]);
    assert_eq!(lines, [Category::Matched, Category::UnexpectedPayment]);
    assert_eq!(v.new_payments(), 2);
    assert_eq!(
        v.held.last().unwrap().outcome,
        PaymentOutcome::Unexpected(Anomaly::PaidTwice)
    );
    // Efecty's notification of that second payment, later: the same one.
    assert_eq!(
        v.notify(&efecty("B222222"), PAID, NOW),
        NotificationOutcome::Duplicate
    );
    assert_eq!(v.new_payments(), 2);
}

/// Review M2, decided: a paid voucher whose own payment the file does not list, and
/// that lists another authorization for its code (same amount, same day), is taken as
/// that payment under the file's authorization (see the module's rule 2), not as a
/// second payment; with its own payment listed as well, it is the second payment.
#[test]
fn a_different_authorization_pairs_with_the_payment_no_line_listed() {
    let mut v = Voucher::new(Network::Efecty, Start::Pending);
    v.notify(&efecty("A111111"), PAID, NOW);
    assert_eq!(
        v.file(&[line(Network::Efecty, 3, Some("999999"))]),
        [Category::Matched]
    );
    assert_eq!(v.new_payments(), 1);
    // Listed again by its own authorization in a later file: the same payment.
    assert_eq!(
        v.file(&[line(Network::Efecty, 3, Some("111111"))]),
        [Category::Duplicate]
    );
    assert_eq!(v.new_payments(), 1);
    // Another day: not that payment.
    let mut w = Voucher::new(Network::Efecty, Start::Pending);
    w.notify(&efecty("A111111"), PAID, NOW);
    let mut other_day = line(Network::Efecty, 3, Some("999999"));
    other_day.paid_at = Some(DAY + Duration::days(1));
    assert_eq!(w.file(&[other_day]), [Category::UnexpectedPayment]);
    assert_eq!(w.new_payments(), 2);
}

/// The brief's rule: identity matches of all a voucher's lines before any pairing, so
/// the order of lines inside a file cannot swap two payments.
#[test]
fn line_order_inside_a_file_cannot_swap_payments() {
    for reversed in [false, true] {
        let mut v = Voucher::new(Network::Efecty, Start::Pending);
        // The second payment is held first (its notification came first).
        v.notify(&efecty("B222222"), PAID, NOW);
        v.notify(&efecty("A111111"), PAID, NOW);
        let mut lines = vec![
            line(Network::Efecty, 3, None),
            line(Network::Efecty, 4, Some("111111")),
        ];
        if reversed {
            lines.reverse();
        }
        let categories = v.file(&lines);
        let of = |n: usize| {
            lines
                .iter()
                .zip(&categories)
                .find(|(l, _)| l.line == n)
                .map(|(_, c)| *c)
        };
        // Line 4 is A's (the first payment that paid); the blank line takes B.
        assert_eq!(of(4), Some(Category::UnexpectedPayment), "{reversed}");
        assert_eq!(of(3), Some(Category::Matched), "{reversed}");
        assert_eq!(v.new_payments(), 2);
    }
}

#[test]
fn an_identified_line_with_another_amount_is_a_mismatch_and_changes_nothing() {
    let mut v = Voucher::new(Network::Efecty, Start::Pending);
    v.notify(&efecty("A123456"), PAID, NOW);
    let mut wrong = line(Network::Efecty, 3, Some("123456"));
    wrong.amount = Money::new(5_100_000, Currency::Cop).unwrap();
    let settled = settle(
        Network::Efecty,
        v.life,
        due(Network::Efecty),
        CODE,
        &v.held,
        &[wrong],
        NOW,
    );
    assert_eq!(settled.lines[0].category, Category::AmountMismatch);
    assert_eq!(
        settled.lines[0].report,
        Some(NotificationOutcome::AmountMismatch)
    );
    assert!(settled.payments.is_empty());
    assert_eq!(settled.life, v.life);
}

#[test]
fn pagoefectivo_operation_numbers_are_compared_exactly() {
    let mut v = Voucher::new(Network::Pagoefectivo, Start::Pending);
    let op = PaymentIdentity::Pagoefectivo("op-7".into());
    assert_eq!(
        v.file(&[line(Network::Pagoefectivo, 2, Some("op-7"))]),
        [Category::PaidWithoutNotification]
    );
    assert_eq!(v.notify(&op, PAID, NOW), NotificationOutcome::Duplicate);
    assert_eq!(
        v.file(&[line(Network::Pagoefectivo, 2, Some("op-7"))]),
        [Category::Duplicate]
    );
    assert_eq!(v.new_payments(), 1);
}

/// A report about the same payment.
#[derive(Debug, Clone)]
enum Step {
    /// Its notification (again).
    Notify,
    /// A file listing it on these lines: `true` with the file's form of its identity,
    /// `false` blank.
    File(Vec<bool>),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        Just(Step::Notify),
        proptest::collection::vec(any::<bool>(), 1..=3).prop_map(Step::File),
    ];
    proptest::collection::vec(step, 0..8)
}

fn start() -> impl Strategy<Value = Start> {
    proptest::sample::select(vec![
        Start::Pending,
        Start::Expired,
        Start::Cancelled,
        Start::Paid,
    ])
}

fn network() -> impl Strategy<Value = Network> {
    proptest::sample::select(Network::ALL.to_vec())
}

/// A payment's whole identity on `network`, of any length, whose file form is not
/// blank (a payment Efecty would list as six zeros is never told apart by identity).
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

/// The lines a file has about the payments `listed` (index and whether identified).
fn file_lines(
    network: Network,
    ids: &[PaymentIdentity],
    listed: &[(usize, bool)],
) -> Vec<FileLine> {
    listed
        .iter()
        .enumerate()
        .map(|(n, &(which, identified))| {
            let form = ids.get(which).map(PaymentIdentity::file_form);
            line(network, n + 3, form.as_deref().filter(|_| identified))
        })
        .collect()
}

proptest! {
    /// Issue #19: any interleaving of notifications and file lines (one or several
    /// files, repeated, blank or with the file's six characters of any authorization)
    /// for one payment yields exactly one payment, listed once.
    #[test]
    fn one_payment_is_one_payment_in_any_order(
        (network, id) in network().prop_flat_map(|n| (Just(n), identity(n))),
        start in start(),
        steps in steps(),
    ) {
        let mut v = Voucher::new(network, start);
        let mut categories = Vec::new();
        let mut first_outcomes = Vec::new();
        for step in &steps {
            match step {
                Step::Notify => first_outcomes.push(v.notify(&id, PAID, NOW)),
                Step::File(lines) => {
                    let listed: Vec<(usize, bool)> = lines.iter().map(|&i| (0, i)).collect();
                    categories.extend(v.file(&file_lines(network, std::slice::from_ref(&id), &listed)));
                }
            }
        }
        prop_assert_eq!(v.new_payments(), usize::from(!steps.is_empty()));
        let firsts: Vec<&Category> = categories.iter().filter(|c| **c != Category::Duplicate).collect();
        prop_assert!(firsts.len() <= 1, "{:?}", categories);
        if let Some(first) = firsts.first() {
            let expected = match start {
                Start::Pending => [Category::Matched, Category::PaidWithoutNotification].contains(first),
                Start::Expired | Start::Cancelled => **first == Category::LatePayment,
                Start::Paid => **first == Category::UnexpectedPayment,
            };
            prop_assert!(expected, "{:?} on {:?}", first, start);
        }
        let taken = first_outcomes.iter().filter(|o| **o != NotificationOutcome::Duplicate).count();
        prop_assert!(taken <= 1, "{:?}", first_outcomes);
        if start == Start::Pending && !steps.is_empty() {
            prop_assert_eq!(v.life.status, crate::VoucherStatus::Paid);
        }
    }

    /// Two payments with different identities, each notified at least once, stay two
    /// whatever files list (blank or not, in any order, repeated).
    #[test]
    fn two_notified_payments_stay_two(
        (network, ids) in network().prop_flat_map(|n| (Just(n), [identity(n), identity(n)])),
        start in start(),
        files in proptest::collection::vec(proptest::collection::vec((0_usize..2, any::<bool>()), 1..4), 0..4),
        at in (0_usize..5, 0_usize..5),
    ) {
        prop_assume!(ids[0].listed() != ids[1].listed());
        let mut v = Voucher::new(network, start);
        let mut steps: Vec<Option<Vec<(usize, bool)>>> = files.into_iter().map(Some).collect();
        steps.insert(at.0.min(steps.len()), None);
        let mut notified = 0;
        steps.insert(at.1.min(steps.len()), None);
        for step in steps {
            match step {
                None => {
                    v.notify(&ids[notified], PAID, NOW);
                    notified += 1;
                }
                Some(listed) => {
                    v.file(&file_lines(network, &ids, &listed));
                }
            }
        }
        prop_assert_eq!(v.new_payments(), 2);
    }

    /// Two payments with different identities that only files report, each listed with
    /// its identity at least once (and maybe again, in any file), stay two.
    #[test]
    fn two_listed_payments_stay_two(
        (network, ids) in network().prop_flat_map(|n| (Just(n), [identity(n), identity(n)])),
        start in start(),
        files in proptest::collection::vec(proptest::collection::vec(0_usize..2, 1..4), 1..4),
    ) {
        prop_assume!(ids[0].listed() != ids[1].listed());
        let mut files = files;
        files.push(vec![0, 1]);
        let mut v = Voucher::new(network, start);
        for listed in &files {
            let listed: Vec<(usize, bool)> = listed.iter().map(|&i| (i, true)).collect();
            v.file(&file_lines(network, &ids, &listed));
        }
        prop_assert_eq!(v.new_payments(), 2);
    }
}
