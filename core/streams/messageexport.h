#pragma once

#include "core/base/result.h"
#include "core/streams/messagebrowser.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <vector>

namespace millrace::streams {

/// How to show a key or value.
enum class PayloadEncoding {
    /// JSON when it is a JSON object or array, else text when it is printable UTF-8, else hex.
    Auto,
    /// Formatted JSON; what is not JSON shows as Auto would, after a line saying why.
    Json,
    /// UTF-8 text as sent (invalid sequences shown as U+FFFD).
    Text,
    /// A hex dump: offset, 16 bytes in hex, the bytes as ASCII.
    Hex,
};

/// JSON laid out over indented lines, or on one line.
enum class JsonLayout { Indented, Compact };

/// What Auto shows `payload` as: Json, Text or Hex. Text means valid UTF-8 without control
/// characters other than tab, line feed and carriage return.
PayloadEncoding detectEncoding(QByteArrayView payload);

/// `payload` for display. JSON is re-laid out without being re-parsed into numbers, so large
/// integers and decimals show exactly as sent. A null payload shows as an empty string.
QString renderPayload(const QByteArray &payload, PayloadEncoding encoding,
                      JsonLayout layout = JsonLayout::Indented);

/// File formats the message browser exports to.
enum class ExportFormat {
    /// A JSON array of objects: topic, partition, offset, timestamp (ms), key, keyEncoding,
    /// value, valueEncoding, headers. The value is embedded as JSON when it is a JSON object
    /// or array (valueEncoding "json", exactly as sent), else as a string when it is valid
    /// UTF-8 ("text"), else as base64 ("base64"); keys and header values as "text" or
    /// "base64". Absent keys and values are null, without an encoding.
    Json,
    /// RFC 4180 CSV with a header row: topic, partition, offset, timestamp (ISO 8601 UTC with
    /// milliseconds), key, value. Keys and values that are not printable UTF-8, or that begin
    /// with "base64:", are written as "base64:" and their base64, so every field reads back
    /// exactly. Absent keys and values are empty fields; headers are not exported.
    Csv,
};

/// Writes `messages` to `path` in `format`. The file appears complete or not at all (it is
/// written beside the target and renamed over it), so a full disk never leaves half an export
/// under the name.
Result<void> exportMessages(const std::vector<BrowsedMessage> &messages, const QString &path,
                            ExportFormat format);

} // namespace millrace::streams
