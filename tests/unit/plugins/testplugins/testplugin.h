#pragma once

#include "plugins/api/messagecodec.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QtGlobal>

namespace millrace::testplugins {

/// Environment variable each test plugin appends its name to when its library's code runs (its
/// static initialisers run on dlopen), so a test can tell which libraries were actually loaded.
inline constexpr char kLoadedVariable[] = "MILLRACE_TESTPLUGINS_LOADED";

inline bool markLoaded(const char *name)
{
    QByteArray loaded = qgetenv(kLoadedVariable);
    if (!loaded.isEmpty())
        loaded.append(',');
    loaded.append(name);
    return qputenv(kLoadedVariable, loaded);
}

/// A codec that passes payloads through QJsonDocument; subclasses only name their content type.
class TestCodec : public millrace::plugins::MessageCodec
{
public:
    bool decode(const QByteArray &payload, QJsonObject &record, QString &error) const override
    {
        record = QJsonDocument::fromJson(payload).object();
        error.clear();
        return true;
    }
    QByteArray encode(const QJsonObject &record) const override
    {
        return QJsonDocument(record).toJson(QJsonDocument::Compact);
    }
};

} // namespace millrace::testplugins
