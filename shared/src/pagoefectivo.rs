//! Placeholder: filled in by the signatures and codes work.
