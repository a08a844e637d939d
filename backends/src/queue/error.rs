//! The one error type of every queue operation, classified so callers know whether
//! trying again can help.

#[cfg(feature = "rabbitmq")]
use lapin::protocol::{AMQPErrorKind, AMQPHardError, AMQPSoftError};

/// Why a queue operation failed.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The broker cannot be reached or dropped the connection (network, restart, forced
    /// close, heartbeat timeout, broker out of resources). Transient.
    #[cfg(feature = "rabbitmq")]
    #[error("broker unavailable: {0}")]
    BrokerUnavailable(#[source] lapin::Error),
    /// The broker refused the operation for a reason that waiting will not fix (access
    /// refused, a queue declared elsewhere with other arguments, an unknown vhost).
    /// Permanent: the configuration or the topology is wrong.
    #[cfg(feature = "rabbitmq")]
    #[error("broker refused: {0}")]
    BrokerRefused(#[source] lapin::Error),
    /// The broker did not take responsibility for a published message (it nacked it, or
    /// could not route it while its topology was being re-declared). Transient: publish
    /// again.
    #[error("publish not confirmed by the broker: {0}")]
    NotConfirmed(String),
    /// The database is busy or unreachable for now (lock contention past the busy
    /// timeout, pool exhausted, I/O error). Transient.
    #[error("queue database unavailable: {0}")]
    DatabaseUnavailable(#[source] sqlx::Error),
    /// Any other database failure: a bug or a schema mismatch. Permanent.
    #[error("queue database error: {0}")]
    Database(#[source] sqlx::Error),
    /// Applying the jobs table migration failed. Permanent.
    #[error("queue migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The delivery was already taken back by the queue (its connection dropped, or its
    /// visibility timeout passed), so it could not be settled. The job is, or will be,
    /// delivered again; with idempotent commits there is nothing to do.
    #[error("the delivery is no longer held by this consumer; the job will be delivered again")]
    DeliveryLost,
    /// The consumer's background task ended (it panicked): make a new consumer.
    #[error("the consumer stopped")]
    ConsumerStopped,
}

impl QueueError {
    /// Whether the same operation may succeed later (retry with backoff) rather than
    /// never (fail loudly; fix the configuration).
    pub fn is_transient(&self) -> bool {
        match self {
            #[cfg(feature = "rabbitmq")]
            QueueError::BrokerUnavailable(_) => true,
            QueueError::NotConfirmed(_) | QueueError::DatabaseUnavailable(_) => true,
            _ => false,
        }
    }
}

/// Whether a lapin error is the connection or the broker being away for now.
#[cfg(feature = "rabbitmq")]
fn is_transient_amqp(error: &lapin::Error) -> bool {
    use lapin::ErrorKind;
    match error.kind() {
        ErrorKind::IOError(_)
        | ErrorKind::InvalidChannelState(..)
        | ErrorKind::InvalidConnectionState(_)
        | ErrorKind::InvalidChannel(_)
        | ErrorKind::MissingHeartbeatError
        | ErrorKind::ChannelsLimitReached => true,
        ErrorKind::ProtocolError(amqp) => matches!(
            amqp.kind(),
            AMQPErrorKind::Hard(
                AMQPHardError::CONNECTIONFORCED
                    | AMQPHardError::RESOURCEERROR
                    | AMQPHardError::INTERNALERROR
                    | AMQPHardError::CHANNELERROR
            ) | AMQPErrorKind::Soft(AMQPSoftError::RESOURCELOCKED)
        ),
        _ => false,
    }
}

#[cfg(feature = "rabbitmq")]
impl From<lapin::Error> for QueueError {
    fn from(error: lapin::Error) -> QueueError {
        if is_transient_amqp(&error) {
            QueueError::BrokerUnavailable(error)
        } else {
            QueueError::BrokerRefused(error)
        }
    }
}

impl From<sqlx::Error> for QueueError {
    fn from(error: sqlx::Error) -> QueueError {
        if crate::transient::is_transient(&error) {
            QueueError::DatabaseUnavailable(error)
        } else {
            QueueError::Database(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "rabbitmq")]
    fn io_failures_are_transient_and_protocol_refusals_are_not() {
        let io = lapin::Error::from(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert!(QueueError::from(io).is_transient());
        let refused = lapin::Error::from(lapin::ErrorKind::NoConfiguredExecutor);
        assert!(!QueueError::from(refused).is_transient());
        assert!(!QueueError::DeliveryLost.is_transient());
    }
}
