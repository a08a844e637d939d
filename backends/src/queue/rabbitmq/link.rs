//! Connecting to the broker on tokio, publishing with confirms, and the message headers
//! this queue uses.

use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::publisher_confirm::Confirmation;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};

use super::topology::Topology;
use crate::queue::QueueError;

/// Which delivery of the job a message is, from 1 (retries publish a copy with one more).
pub(super) const ATTEMPT_HEADER: &str = "punchline-attempt";
/// Why a parked message was parked.
pub(super) const PARK_REASON_HEADER: &str = "punchline-park-reason";
/// Why the attempt before a retry failed.
pub(super) const LAST_ERROR_HEADER: &str = "punchline-last-error";
/// Set by quorum queues on redelivery: how often the message was returned unsettled.
pub(super) const DELIVERY_COUNT_HEADER: &str = "x-delivery-count";

/// Opens a connection driven by the current tokio runtime (lapin's own default would
/// start another executor).
pub(super) async fn connect(url: &str, name: &str) -> Result<Connection, lapin::Error> {
    let properties = ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio::current())
        .with_connection_name(LongString::from(name));
    Connection::connect(url, properties).await
}

/// A channel with the topology declared and publisher confirms on.
pub(super) async fn open_channel(
    connection: &Connection,
    topology: &Topology,
) -> Result<Channel, lapin::Error> {
    let channel = connection.create_channel().await?;
    topology.declare(&channel).await?;
    channel.confirm_select(ConfirmSelectOptions::default()).await?;
    Ok(channel)
}

/// Publishes `body` as a persistent message and waits for the broker's confirm, which it
/// sends once the message is on disk in every replica of the quorum queue(s) it was
/// routed to. Mandatory, so a message no queue takes is an error rather than dropped.
pub(super) async fn publish_confirmed(
    channel: &Channel,
    exchange: &str,
    routing_key: &str,
    body: &[u8],
    headers: FieldTable,
) -> Result<(), QueueError> {
    let properties = BasicProperties::default()
        .with_delivery_mode(2) // persistent
        .with_content_type(ShortString::from("application/json"))
        .with_headers(headers);
    let options = BasicPublishOptions { mandatory: true, ..BasicPublishOptions::default() };
    let confirm = channel.basic_publish(exchange, routing_key, options, body, properties).await?.await?;
    match confirm {
        Confirmation::Ack(None) => Ok(()),
        Confirmation::Ack(Some(returned)) | Confirmation::Nack(Some(returned)) => {
            Err(QueueError::NotConfirmed(format!(
                "returned unroutable: {} {}",
                returned.reply_code, returned.reply_text
            )))
        }
        Confirmation::Nack(None) => Err(QueueError::NotConfirmed("the broker nacked the message".to_owned())),
        Confirmation::NotRequested => {
            Err(QueueError::NotConfirmed("the channel is not in confirm mode".to_owned()))
        }
    }
}

/// Headers with the attempt number set.
pub(super) fn headers_with_attempt(attempt: u32) -> FieldTable {
    let mut headers = FieldTable::default();
    headers.insert(ShortString::from(ATTEMPT_HEADER), AMQPValue::LongLongInt(i64::from(attempt)));
    headers
}

/// Adds a text header.
pub(super) fn insert_text(headers: &mut FieldTable, key: &str, value: &str) {
    headers.insert(ShortString::from(key), AMQPValue::LongString(LongString::from(value)));
}

/// An integer header of any AMQP integer type (brokers and clients choose differently).
pub(super) fn integer_header(properties: &BasicProperties, key: &str) -> Option<u64> {
    let value = properties.headers().as_ref()?.inner().get(key)?;
    let signed = match value {
        AMQPValue::ShortShortInt(v) => i64::from(*v),
        AMQPValue::ShortShortUInt(v) => i64::from(*v),
        AMQPValue::ShortInt(v) => i64::from(*v),
        AMQPValue::ShortUInt(v) => i64::from(*v),
        AMQPValue::LongInt(v) => i64::from(*v),
        AMQPValue::LongUInt(v) => i64::from(*v),
        AMQPValue::LongLongInt(v) => *v,
        AMQPValue::Timestamp(v) => i64::try_from(*v).ok()?,
        _ => return None,
    };
    u64::try_from(signed).ok()
}

/// A text header.
pub(super) fn text_header(properties: &BasicProperties, key: &str) -> Option<String> {
    match properties.headers().as_ref()?.inner().get(key)? {
        AMQPValue::LongString(s) => Some(s.to_string()),
        AMQPValue::ShortString(s) => Some(s.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_headers_of_any_width_are_read() {
        let mut headers = headers_with_attempt(3);
        headers.insert(ShortString::from("small"), AMQPValue::ShortShortUInt(2));
        headers.insert(ShortString::from("negative"), AMQPValue::LongInt(-1));
        let properties = BasicProperties::default().with_headers(headers);
        assert_eq!(integer_header(&properties, ATTEMPT_HEADER), Some(3));
        assert_eq!(integer_header(&properties, "small"), Some(2));
        assert_eq!(integer_header(&properties, "negative"), None);
        assert_eq!(integer_header(&properties, "missing"), None);
    }
}
