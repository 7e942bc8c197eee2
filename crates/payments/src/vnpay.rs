//! VNPay adapter: to be written.
