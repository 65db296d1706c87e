//! Exchange Online message trace as `Get-MessageTraceV2 | Export-Csv`
//! writes it from Windows PowerShell 5: the `#TYPE` line, every field
//! quoted, CRLF line ends, newest first, one row per message and
//! recipient. `Received` is UTC, written in the exporting machine's en-US
//! format without a zone.

use super::super::clock;
use super::super::records::TracedMessage;

pub const TYPE_LINE: &str = "#TYPE Deserialized.Microsoft.Exchange.Management.FfoReporting.MessageTraceV2";
const HEADERS: [&str; 10] = ["Received", "SenderAddress", "RecipientAddress", "Subject", "Status", "ToIP", "FromIP", "Size", "MessageId", "MessageTraceId"];

pub fn write(messages: &[TracedMessage]) -> Vec<u8> {
    let mut rows: Vec<&TracedMessage> = messages.iter().collect();
    rows.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.trace_id.cmp(&b.trace_id)).then_with(|| a.recipient.cmp(&b.recipient)));
    let mut out = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = out.write_record(HEADERS);
    for m in rows {
        let row = [
            clock::en_us_local(m.time, 0),
            m.sender.clone(),
            m.recipient.clone(),
            m.subject.clone(),
            m.status.to_string(),
            m.to_ip.clone(),
            m.from_ip.clone(),
            m.size.to_string(),
            m.message_id.clone(),
            m.trace_id.clone(),
        ];
        let _ = out.write_record(&row);
    }
    let mut file = format!("{TYPE_LINE}\r\n").into_bytes();
    file.extend_from_slice(&out.into_inner().unwrap_or_default());
    file
}
