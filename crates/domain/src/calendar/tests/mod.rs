//! Tests of the working-day calendar, one file per part, plus property tests.

mod deadline;
mod holidays;
mod lunar;
mod overrides;
mod properties;
