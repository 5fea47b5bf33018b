//! What the refund page says, in Spanish: reasons, failures, document names and dates in
//! the network's time (Bogotá and Lima are both UTC−05:00, with no summer time).

use time::OffsetDateTime;
use vale_shared::Network;
use vale_shared::refund::{FailureReason, Reason};

/// Why the store refunds, as the shopper reads it.
pub const fn reason(reason: Reason) -> &'static str {
    match reason {
        Reason::RequestedByCustomer => "Lo pediste a la tienda",
        Reason::OrderCancelled => "Pedido cancelado",
        Reason::ProductNotReceived => "El producto no llegó",
        Reason::Duplicate => "Pago duplicado",
        Reason::Fraudulent => "Pago no reconocido",
        Reason::PaidAfterExpiry => "Pagaste después de que el código venció",
        Reason::Overpayment => "Pagaste de más",
    }
}

/// Why a payout failed, in words.
pub const fn failure(reason: FailureReason) -> &'static str {
    match reason {
        FailureReason::InvalidDestination => {
            "La cuenta o billetera que indicaste no existe o no puede recibir el dinero."
        }
        FailureReason::NameMismatch => {
            "El nombre que escribiste no coincide con el del titular de la cuenta."
        }
        FailureReason::CollectionExpired => {
            "El dinero no se retiró en el punto Efecty antes de la fecha límite."
        }
        FailureReason::PayoutRejected => "El banco o la red de pagos rechazó el envío.",
    }
}

/// A document type's name.
pub fn document(kind: &str, network: Network) -> &'static str {
    match (kind, network) {
        ("CC", _) => "cédula de ciudadanía",
        ("CE", Network::Efecty) => "cédula de extranjería",
        ("CE", Network::Pagoefectivo) => "carné de extranjería",
        ("TI", _) => "tarjeta de identidad",
        ("PAS", _) => "pasaporte",
        ("PEP", _) => "permiso especial de permanencia (PEP)",
        ("NIT", _) => "NIT",
        ("DNI", _) => "DNI",
        ("RUC", _) => "RUC",
        _ => "documento",
    }
}

/// A wallet's brand.
pub fn wallet(provider: &str) -> &'static str {
    match provider {
        "nequi" => "Nequi",
        "daviplata" => "Daviplata",
        "yape" => "Yape",
        "plin" => "Plin",
        _ => "billetera",
    }
}

/// An account type's name.
pub fn account_type(kind: &str) -> &'static str {
    match kind {
        "checking" => "corriente",
        _ => "de ahorros",
    }
}

/// `24 de diciembre de 2026, 11:59 p. m.` in the network's time.
pub fn date_time(at: OffsetDateTime, network: Network) -> String {
    let at = at.to_offset(network.utc_offset());
    let month = vale_shared::expiry::month_name(at.month());
    let (hour, half) = match at.hour() {
        0 => (12, "a. m."),
        h @ 1..=11 => (h, "a. m."),
        12 => (12, "p. m."),
        h => (h - 12, "p. m."),
    };
    format!(
        "{} de {month} de {}, {hour}:{:02} {half}",
        at.day(),
        at.year(),
        at.minute()
    )
}

/// Where the time is said to be: `hora de Colombia` / `hora de Perú`.
pub const fn zone(network: Network) -> &'static str {
    match network {
        Network::Efecty => "hora de Colombia",
        Network::Pagoefectivo => "hora de Perú",
    }
}

/// A withdrawal code in groups a person reads out at a counter: `12345 67890`.
pub fn grouped(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_in_bogota_time() {
        let at = crate::api::rfc3339("2026-12-25T04:59:00Z").unwrap();
        assert_eq!(
            date_time(at, Network::Efecty),
            "24 de diciembre de 2026, 11:59 p. m."
        );
        let noon = crate::api::rfc3339("2026-01-01T17:05:00Z").unwrap();
        assert_eq!(
            date_time(noon, Network::Pagoefectivo),
            "1 de enero de 2026, 12:05 p. m."
        );
    }

    #[test]
    fn a_withdrawal_code_reads_in_two_groups() {
        assert_eq!(grouped("1234567890"), "12345 67890");
    }
}
