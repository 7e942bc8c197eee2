//! Local simulators of the services (feature `simulator`). (To be written.)
