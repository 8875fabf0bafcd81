#include "core/streams/messageexport.h"

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <QSaveFile>

namespace millrace::streams {

namespace {

bool isJsonSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Qt's parser takes only objects and arrays at the top, which is also what is worth laying
// out: a bare number or string reads the same as text.
bool parsesAsJson(QByteArrayView payload, QJsonParseError *error = nullptr)
{
    QJsonParseError localError;
    QJsonParseError &parseError = error ? *error : localError;
    QJsonDocument::fromJson(QByteArray::fromRawData(payload.data(), payload.size()), &parseError);
    return parseError.error == QJsonParseError::NoError;
}

bool isPrintableUtf8(QByteArrayView payload)
{
    for (const char c : payload) {
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f)
            return false;
    }
    return payload.isValidUtf8();
}

// Re-lays out JSON that already parsed, token by token, so numbers keep every digit (a
// QJsonDocument round trip turns 12345678901234567890 into 1.2345678901234567e+19).
QByteArray relayoutJson(QByteArrayView json, JsonLayout layout)
{
    const bool indented = layout == JsonLayout::Indented;
    QByteArray out;
    out.reserve(json.size() + json.size() / 4);
    int depth = 0;
    const auto newline = [&] {
        if (indented) {
            out += '\n';
            out.append(depth * 2, ' ');
        }
    };
    const qsizetype n = json.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char c = json.at(i);
        switch (c) {
        case '"': {
            const qsizetype start = i;
            for (++i; i < n && json.at(i) != '"'; ++i) {
                if (json.at(i) == '\\')
                    ++i;
            }
            out.append(json.data() + start, i - start + 1);
            break;
        }
        case '{':
        case '[': {
            out += c;
            qsizetype next = i + 1;
            while (next < n && isJsonSpace(json.at(next)))
                ++next;
            if (next < n && (json.at(next) == '}' || json.at(next) == ']')) {
                out += json.at(next); // {} and [] stay on one line
                i = next;
            } else {
                ++depth;
                newline();
            }
            break;
        }
        case '}':
        case ']':
            --depth;
            newline();
            out += c;
            break;
        case ',':
            out += c;
            newline();
            break;
        case ':':
            out += indented ? ": " : ":";
            break;
        default:
            if (!isJsonSpace(c))
                out += c;
        }
    }
    return out;
}

QString hexDump(QByteArrayView payload)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    QByteArray out;
    for (qsizetype line = 0; line < payload.size(); line += 16) {
        out += QByteArray::number(line, 16).rightJustified(8, '0');
        out += "  ";
        for (qsizetype i = line; i < line + 16; ++i) {
            if (i < payload.size()) {
                const auto byte = static_cast<unsigned char>(payload.at(i));
                out += kDigits[byte >> 4];
                out += kDigits[byte & 0xf];
                out += ' ';
            } else {
                out += "   ";
            }
            if (i == line + 7)
                out += ' ';
        }
        out += " |";
        for (qsizetype i = line; i < std::min(line + 16, payload.size()); ++i) {
            const auto byte = static_cast<unsigned char>(payload.at(i));
            out += (byte >= 0x20 && byte < 0x7f) ? char(byte) : '.';
        }
        out += "|\n";
    }
    return QString::fromLatin1(out);
}

// A JSON string literal. Works on UTF-8 bytes: multi-byte sequences never contain bytes below
// 0x80, so only quotes, backslashes and control characters need escapes.
void appendJsonString(QByteArray &out, QByteArrayView utf8)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    out += '"';
    for (const char c : utf8) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out += kDigits[(c >> 4) & 0xf];
                out += kDigits[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

// `"name":...,"nameEncoding":"..."` for a key, value or header value.
void appendPayload(QByteArray &out, const char *name, const QByteArray &payload, bool embedJson)
{
    out += '"';
    out += name;
    out += "\":";
    if (payload.isNull()) {
        out += "null";
        return;
    }
    const char *encoding = nullptr;
    // Embedded as sent: it parsed, so it is valid JSON, and copying it keeps every digit.
    if (embedJson && payload.isValidUtf8() && parsesAsJson(payload)) {
        out += payload.trimmed();
        encoding = "json";
    } else if (payload.isValidUtf8()) {
        appendJsonString(out, payload);
        encoding = "text";
    } else {
        out += '"';
        out += payload.toBase64();
        out += '"';
        encoding = "base64";
    }
    out += ",\"";
    out += name;
    out += "Encoding\":\"";
    out += encoding;
    out += '"';
}

QByteArray jsonRecord(const BrowsedMessage &message)
{
    QByteArray out = "{\"topic\":";
    appendJsonString(out, message.topic.toUtf8());
    out += ",\"partition\":" + QByteArray::number(message.partition);
    out += ",\"offset\":" + QByteArray::number(message.offset);
    out += ",\"timestamp\":" + QByteArray::number(message.timestampMs);
    out += ',';
    appendPayload(out, "key", message.key, false);
    out += ',';
    appendPayload(out, "value", message.value, true);
    out += ",\"headers\":[";
    for (std::size_t i = 0; i < message.headers.size(); ++i) {
        if (i > 0)
            out += ',';
        out += "{\"key\":";
        appendJsonString(out, message.headers[i].first);
        out += ',';
        appendPayload(out, "value", message.headers[i].second, false);
        out += '}';
    }
    out += "]}";
    return out;
}

QByteArray csvField(const QByteArray &field)
{
    // A carriage return alone also breaks a record in most readers, so it is quoted too.
    if (!field.contains(',') && !field.contains('"') && !field.contains('\n')
        && !field.contains('\r')) {
        return field;
    }
    QByteArray quoted = field;
    quoted.replace('"', "\"\"");
    return '"' + quoted + '"';
}

QByteArray csvPayload(const QByteArray &payload)
{
    static const QByteArray kPrefix = QByteArrayLiteral("base64:");
    if (isPrintableUtf8(payload) && !payload.startsWith(kPrefix))
        return csvField(payload);
    return kPrefix + payload.toBase64();
}

QByteArray csvRecord(const BrowsedMessage &message)
{
    const QByteArray timestamp = message.timestampMs < 0
                                     ? QByteArray()
                                     : QDateTime::fromMSecsSinceEpoch(message.timestampMs, Qt::UTC)
                                           .toString(Qt::ISODateWithMs)
                                           .toLatin1();
    return csvField(message.topic.toUtf8()) + ',' + QByteArray::number(message.partition) + ','
           + QByteArray::number(message.offset) + ',' + timestamp + ',' + csvPayload(message.key)
           + ',' + csvPayload(message.value) + "\r\n";
}

} // namespace

PayloadEncoding detectEncoding(QByteArrayView payload)
{
    qsizetype start = 0;
    while (start < payload.size() && isJsonSpace(payload.at(start)))
        ++start;
    if (start < payload.size() && (payload.at(start) == '{' || payload.at(start) == '[')
        && parsesAsJson(payload)) {
        return PayloadEncoding::Json;
    }
    return isPrintableUtf8(payload) ? PayloadEncoding::Text : PayloadEncoding::Hex;
}

QString renderPayload(const QByteArray &payload, PayloadEncoding encoding, JsonLayout layout)
{
    if (payload.isNull())
        return QString();
    switch (encoding) {
    case PayloadEncoding::Auto:
        switch (detectEncoding(payload)) {
        case PayloadEncoding::Json:
            return QString::fromUtf8(relayoutJson(payload, layout));
        case PayloadEncoding::Text:
            return QString::fromUtf8(payload);
        default:
            return hexDump(payload);
        }
    case PayloadEncoding::Json: {
        QJsonParseError error;
        if (parsesAsJson(payload, &error))
            return QString::fromUtf8(relayoutJson(payload, layout));
        return QStringLiteral("not JSON (%1 at byte %2):\n")
                   .arg(error.errorString())
                   .arg(error.offset)
               + renderPayload(payload, PayloadEncoding::Auto, layout);
    }
    case PayloadEncoding::Text:
        return QString::fromUtf8(payload);
    case PayloadEncoding::Hex:
        return hexDump(payload);
    }
    return QString();
}

Result<void> exportMessages(const std::vector<BrowsedMessage> &messages, const QString &path,
                            ExportFormat format)
{
    const QString shownPath = QDir::toNativeSeparators(path);
    // QSaveFile writes to a temporary file next to the target and renames it on commit, so a
    // failed write leaves the old file (or nothing), never half an export.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(QStringLiteral("Could not write %1: %2").arg(shownPath, file.errorString()));

    QByteArray buffer;
    const auto flush = [&](bool force) {
        if (!force && buffer.size() < (1 << 20))
            return true;
        const bool written = file.write(buffer) == buffer.size();
        buffer.clear();
        return written;
    };
    bool ok = true;
    if (format == ExportFormat::Json) {
        buffer += '[';
        for (std::size_t i = 0; ok && i < messages.size(); ++i) {
            buffer += i == 0 ? "\n  " : ",\n  ";
            buffer += jsonRecord(messages[i]);
            ok = flush(false);
        }
        buffer += messages.empty() ? "]\n" : "\n]\n";
    } else {
        buffer += "topic,partition,offset,timestamp,key,value\r\n";
        for (std::size_t i = 0; ok && i < messages.size(); ++i) {
            buffer += csvRecord(messages[i]);
            ok = flush(false);
        }
    }
    ok = ok && flush(true);
    if (!ok) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return fail(QStringLiteral("Could not write %1: %2").arg(shownPath, reason));
    }
    if (!file.commit())
        return fail(QStringLiteral("Could not save %1: %2").arg(shownPath, file.errorString()));
    return {};
}

} // namespace millrace::streams
