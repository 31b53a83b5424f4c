//! The circom-compiled R1CS as an arkworks circuit: wire 0 is the constant one, wires
//! 1..=n_public the public signals in circom's order, every other wire a witness.

use ark_bn254::Fr;
use ark_relations::lc;
use ark_relations::r1cs::{ConstraintSynthesizer, ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use zk402_circuit::r1cs::R1cs;

/// An R1CS with an optional full witness (one value per wire; `None` for the setup).
pub struct R1csCircuit<'a> {
    /// The constraint system.
    pub r1cs: &'a R1cs,
    /// The witness, indexed by wire.
    pub witness: Option<&'a [Fr]>,
}

impl ConstraintSynthesizer<Fr> for R1csCircuit<'_> {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let n_public = self.r1cs.n_public();
        let value = |wire: usize| {
            move || self.witness.and_then(|w| w.get(wire).copied()).ok_or(SynthesisError::AssignmentMissing)
        };
        let mut vars = Vec::with_capacity(self.r1cs.n_wires as usize);
        vars.push(Variable::One);
        for wire in 1..self.r1cs.n_wires as usize {
            vars.push(if wire <= n_public {
                cs.new_input_variable(value(wire))?
            } else {
                cs.new_witness_variable(value(wire))?
            });
        }
        let to_lc = |terms: &[(u32, Fr)]| -> Result<LinearCombination<Fr>, SynthesisError> {
            let mut out = lc!();
            for (wire, coeff) in terms {
                out += (*coeff, *vars.get(*wire as usize).ok_or(SynthesisError::Unsatisfiable)?);
            }
            Ok(out)
        };
        for c in &self.r1cs.constraints {
            cs.enforce_constraint(to_lc(&c.a)?, to_lc(&c.b)?, to_lc(&c.c)?)?;
        }
        Ok(())
    }
}
