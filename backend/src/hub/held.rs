//! The hub's part in held lines ([`crate::held`]): the periodic flush of streams whose
//! awareness lines found no message to ride with.

use super::Hub;

impl Hub {
    /// Wakes the streams whose held lines have waited their time (every
    /// [`crate::held::FLUSH_EVERY`]); a stream whose queue is full is cut.
    pub fn flush_held(&self) {
        let mut inner = self.inner.lock();
        let fanout = inner.registry.flush_held(tokio::time::Instant::now());
        let clients = inner.registry.len();
        drop(inner);
        self.log_cuts(&fanout, clients);
    }
}
