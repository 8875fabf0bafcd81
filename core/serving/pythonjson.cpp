#include "core/serving/pythonjson.h"

#include <QJsonArray>
#include <QJsonObject>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace millrace::serving {

void appendPythonFloat(QByteArray &out, double value)
{
    if (std::isnan(value)) {
        out.append("NaN");
        return;
    }
    if (std::isinf(value)) {
        out.append(value < 0 ? "-Infinity" : "Infinity");
        return;
    }
    // The shortest digits that read back to `value` (what Python's repr picks too), as
    // d.ddde±x; then laid out by repr's rule: an exponent when the decimal point would sit more
    // than 16 places right of the first digit or 4 or more places left of it.
    char scientific[32];
    const auto result = std::to_chars(scientific, scientific + sizeof scientific, value,
                                      std::chars_format::scientific);
    const char *p = scientific;
    if (*p == '-') {
        out.append('-');
        ++p;
    }
    char digits[24];
    int digitCount = 0;
    for (; *p != 'e'; ++p) {
        if (*p != '.')
            digits[digitCount++] = *p;
    }
    ++p; // 'e'
    int exponent = 0;
    std::from_chars(*p == '+' ? p + 1 : p, result.ptr, exponent);
    const int point = exponent + 1; // where the decimal point goes, counted from the first digit

    if (point <= -4 || point > 16) {
        out.append(digits[0]);
        if (digitCount > 1) {
            out.append('.');
            out.append(digits + 1, digitCount - 1);
        }
        char exponentText[8];
        const int magnitude = exponent < 0 ? -exponent : exponent;
        const int length = std::snprintf(exponentText, sizeof exponentText, "e%c%02d",
                                         exponent < 0 ? '-' : '+', magnitude);
        out.append(exponentText, length);
    } else if (point <= 0) {
        out.append("0.");
        out.append(QByteArray(-point, '0'));
        out.append(digits, digitCount);
    } else if (point < digitCount) {
        out.append(digits, point);
        out.append('.');
        out.append(digits + point, digitCount - point);
    } else {
        out.append(digits, digitCount);
        out.append(QByteArray(point - digitCount, '0'));
        out.append(".0");
    }
}

void appendPythonString(QByteArray &out, QStringView text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out.append('"');
    for (const QChar character : text) {
        const char16_t unit = character.unicode();
        switch (unit) {
        case u'"':
            out.append("\\\"");
            continue;
        case u'\\':
            out.append("\\\\");
            continue;
        case u'\n':
            out.append("\\n");
            continue;
        case u'\r':
            out.append("\\r");
            continue;
        case u'\t':
            out.append("\\t");
            continue;
        case u'\b':
            out.append("\\b");
            continue;
        case u'\f':
            out.append("\\f");
            continue;
        default:
            break;
        }
        if (unit >= 0x20 && unit < 0x7F) {
            out.append(char(unit));
            continue;
        }
        const char escape[] = {'\\',
                               'u',
                               kHex[(unit >> 12) & 0xF],
                               kHex[(unit >> 8) & 0xF],
                               kHex[(unit >> 4) & 0xF],
                               kHex[unit & 0xF]};
        out.append(escape, sizeof escape);
    }
    out.append('"');
}

void appendPythonJson(QByteArray &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out.append("null");
        return;
    case QJsonValue::Bool:
        out.append(value.toBool() ? "true" : "false");
        return;
    case QJsonValue::Double: {
        const double number = value.toDouble();
        if (std::trunc(number) == number && std::fabs(number) <= 9007199254740992.0)
            out.append(QByteArray::number(qint64(number)));
        else
            appendPythonFloat(out, number);
        return;
    }
    case QJsonValue::String:
        appendPythonString(out, value.toString());
        return;
    case QJsonValue::Array: {
        out.append('[');
        bool first = true;
        for (const QJsonValue &element : value.toArray()) {
            if (!first)
                out.append(", ");
            first = false;
            appendPythonJson(out, element);
        }
        out.append(']');
        return;
    }
    case QJsonValue::Object: {
        out.append('{');
        const QJsonObject object = value.toObject();
        bool first = true;
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!first)
                out.append(", ");
            first = false;
            appendPythonString(out, it.key());
            out.append(": ");
            appendPythonJson(out, it.value());
        }
        out.append('}');
        return;
    }
    }
}

} // namespace millrace::serving
