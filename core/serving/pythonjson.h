#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QString>

namespace millrace::serving {

/// JSON written byte for byte as Python's json.dumps writes it with its defaults, which is how
/// MLflow's scoring server answers: ", " and ": " between items, non-ASCII text escaped as
/// \uXXXX, floats as repr() spells them ("1.0", "1e-05", "1.0000000272564224e+16") and the
/// non-finite ones as NaN, Infinity and -Infinity (which strict JSON readers refuse, but
/// MLflow sends them, and Python's readers take them).

/// Appends `value` as repr(float(value)).
void appendPythonFloat(QByteArray &out, double value);
/// Appends `text` as a quoted JSON string, escaped as json.dumps escapes it (ensure_ascii).
void appendPythonString(QByteArray &out, QStringView text);
/// Appends any JSON value; integral numbers within ±2^53 are written as integers.
void appendPythonJson(QByteArray &out, const QJsonValue &value);

} // namespace millrace::serving
