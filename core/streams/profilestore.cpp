#include "core/streams/profilestore.h"

#include "core/store/appstate.h"
#include "core/store/codedaccess.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <QDateTime>
#include <QJsonDocument>
#include <QUuid>

namespace millrace::streams {

namespace {

ConnectionProfile readProfile(SQLite::Statement &query)
{
    const QByteArray settings = QByteArray::fromStdString(query.getColumn(0).getString());
    const QJsonDocument document = QJsonDocument::fromJson(settings);
    Result<ConnectionProfile> profile = profileFromJson(document.object());
    if (!profile)
        raiseCoded(QString(), QStringLiteral("a saved connection profile is unreadable: %1")
                                  .arg(profile.errorMessage()));
    return profile.value();
}

} // namespace

ProfileStore::ProfileStore(Store &store) : m_store(store) {}

Result<std::vector<ConnectionProfile>> ProfileStore::list() const
{
    return readCoded(m_store, [](SQLite::Database &db) {
        SQLite::Statement query(db, "SELECT settings FROM stream_profiles ORDER BY name");
        std::vector<ConnectionProfile> profiles;
        while (query.executeStep())
            profiles.push_back(readProfile(query));
        return profiles;
    });
}

Result<ConnectionProfile> ProfileStore::find(const QString &idOrName) const
{
    return readCoded(m_store, [&](SQLite::Database &db) {
        SQLite::Statement query(db,
                                "SELECT settings FROM stream_profiles WHERE id = ?1 OR name = ?1");
        query.bind(1, idOrName.toStdString());
        if (!query.executeStep()) {
            raiseCoded(QString::fromLatin1(errorcode::kNotFound),
                       QStringLiteral("there is no connection profile '%1'").arg(idOrName));
        }
        return readProfile(query);
    });
}

Result<ConnectionProfile> ProfileStore::save(ConnectionProfile profile)
{
    profile.name = profile.name.trimmed();
    profile.bootstrapServers = profile.bootstrapServers.trimmed();
    if (Result<void> valid = validateProfile(profile); !valid)
        return valid.error();
    if (profile.id.isEmpty())
        profile.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const std::string settings =
        QJsonDocument(profileToJson(profile)).toJson(QJsonDocument::Compact).toStdString();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    Result<void> written = writeCoded(m_store, [=](SQLite::Database &db) {
        SQLite::Statement clash(db, "SELECT 1 FROM stream_profiles WHERE name = ?1 AND id != ?2");
        clash.bind(1, profile.name.toStdString());
        clash.bind(2, profile.id.toStdString());
        if (clash.executeStep()) {
            raiseCoded(QString::fromLatin1(errorcode::kAlreadyExists),
                       QStringLiteral("a connection profile called '%1' already exists")
                           .arg(profile.name));
        }
        SQLite::Statement upsert(db, "INSERT INTO stream_profiles VALUES (?1, ?2, ?3, ?4, ?4) "
                                     "ON CONFLICT (id) DO UPDATE SET name = ?2, settings = ?3, "
                                     "updated_at_ms = ?4");
        upsert.bind(1, profile.id.toStdString());
        upsert.bind(2, profile.name.toStdString());
        upsert.bind(3, settings);
        upsert.bind(4, static_cast<int64_t>(now));
        upsert.exec();
    });
    if (!written)
        return written.error();
    return profile;
}

Result<void> ProfileStore::remove(const QString &id)
{
    return writeCoded(m_store, [=](SQLite::Database &db) {
        SQLite::Statement remove(db, "DELETE FROM stream_profiles WHERE id = ?1");
        remove.bind(1, id.toStdString());
        if (remove.exec() == 0) {
            raiseCoded(QString::fromLatin1(errorcode::kNotFound),
                       QStringLiteral("there is no connection profile '%1'").arg(id));
        }
        const QString key = QString::fromLatin1(kActiveProfileSetting);
        if (appstate::get(db, key).value_or(QString()) == id)
            appstate::set(db, key, QString());
    });
}

Result<QString> ProfileStore::activeProfileId() const
{
    return readCoded(m_store, [](SQLite::Database &db) {
        return appstate::get(db, QString::fromLatin1(kActiveProfileSetting)).value_or(QString());
    });
}

Result<void> ProfileStore::setActiveProfileId(const QString &id)
{
    return writeCoded(m_store, [=](SQLite::Database &db) {
        if (!id.isEmpty()) {
            SQLite::Statement exists(db, "SELECT 1 FROM stream_profiles WHERE id = ?1");
            exists.bind(1, id.toStdString());
            if (!exists.executeStep()) {
                raiseCoded(QString::fromLatin1(errorcode::kNotFound),
                           QStringLiteral("there is no connection profile '%1'").arg(id));
            }
        }
        appstate::set(db, QString::fromLatin1(kActiveProfileSetting), id);
    });
}

} // namespace millrace::streams
