//! Reader for circom's `.sym` file: which signal names each witness wire carries, used to
//! say in words which part of the circuit a failing constraint belongs to.

use crate::r1cs::{Constraint, R1cs};
use std::collections::BTreeSet;

/// Signal names per wire.
#[derive(Debug, Clone, Default)]
pub struct Symbols {
    names: Vec<Vec<String>>,
}

impl Symbols {
    /// Parses `label,wire,component,name` lines; labels optimised away (wire -1) are skipped.
    pub fn parse(text: &str, n_wires: u32) -> Result<Symbols, String> {
        let mut names = vec![Vec::new(); n_wires as usize];
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            let mut parts = line.splitn(4, ',');
            let (_, wire, _, name) = (parts.next(), parts.next(), parts.next(), parts.next());
            let (Some(wire), Some(name)) = (wire, name) else {
                return Err(format!("line {}: expected 4 comma-separated fields", i + 1));
            };
            let wire: i64 = wire.parse().map_err(|_| format!("line {}: bad wire index", i + 1))?;
            if wire < 0 {
                continue;
            }
            let slot =
                names.get_mut(wire as usize).ok_or_else(|| format!("line {}: wire {wire} out of range", i + 1))?;
            slot.push(name.to_owned());
        }
        Ok(Symbols { names })
    }

    /// The names carried by a wire.
    pub fn names(&self, wire: u32) -> &[String] {
        self.names.get(wire as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The components (signal names without their last segment) whose signals appear in a
    /// constraint, e.g. `main.enough.n2b`.
    pub fn components_of(&self, constraint: &Constraint) -> BTreeSet<String> {
        [&constraint.a, &constraint.b, &constraint.c]
            .into_iter()
            .flatten()
            .flat_map(|(wire, _)| self.names(*wire))
            .map(|name| name.rsplit_once('.').map_or(name.as_str(), |(component, _)| component).to_owned())
            .collect()
    }

    /// Components touched by the listed constraints of `r1cs`.
    pub fn components_of_all(&self, r1cs: &R1cs, constraints: &[usize]) -> BTreeSet<String> {
        constraints.iter().filter_map(|i| r1cs.constraints.get(*i)).flat_map(|c| self.components_of(c)).collect()
    }
}
