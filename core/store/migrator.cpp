#include "core/store/migrator.h"

#include "core/store/storelog.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

namespace millrace {

Migrator::Migrator(std::span<const Migration> migrations, int applicationId)
    : m_migrations(migrations), m_applicationId(applicationId)
{
    for (size_t i = 0; i < m_migrations.size(); ++i)
        Q_ASSERT(m_migrations[i].version == int(i) + 1);
}

int Migrator::latestVersion() const
{
    return int(m_migrations.size());
}

int Migrator::currentVersion(SQLite::Database &db)
{
    return db.execAndGet("PRAGMA user_version").getInt();
}

Result<int> Migrator::migrate(SQLite::Database &db, int target) const
{
    if (target < 0)
        target = latestVersion();
    if (target > latestVersion())
        return fail(QStringLiteral("schema version %1 is unknown to this build (it knows up to %2)")
                        .arg(target)
                        .arg(latestVersion()));
    try {
        const int applicationId = db.execAndGet("PRAGMA application_id").getInt();
        if (applicationId != 0 && applicationId != m_applicationId)
            return fail(QStringLiteral("%1 belongs to another program (application id %2), "
                                       "not to Millrace")
                            .arg(QString::fromStdString(db.getFilename()))
                            .arg(applicationId));
        int version = currentVersion(db);
        // A file with tables but neither of our marks was made by some other program.
        if (applicationId == 0 && version == 0
            && db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt() > 0)
            return fail(QStringLiteral("%1 is a SQLite database of another program, not a "
                                       "Millrace database")
                            .arg(QString::fromStdString(db.getFilename())));
        if (version > latestVersion())
            return fail(QStringLiteral("%1 was written by a newer Millrace (schema version %2; "
                                       "this build knows up to %3). Open it with a newer "
                                       "Millrace or use another workspace.")
                            .arg(QString::fromStdString(db.getFilename()))
                            .arg(version)
                            .arg(latestVersion()));
        while (version < target) {
            const Migration &step = m_migrations[size_t(version)];
            SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
            // Re-read inside the write lock: another process may have migrated meanwhile.
            if (currentVersion(db) != version) {
                version = currentVersion(db);
                continue;
            }
            step.apply(db);
            db.exec("PRAGMA application_id = " + std::to_string(m_applicationId));
            db.exec("PRAGMA user_version = " + std::to_string(step.version));
            transaction.commit();
            qCInfo(lcStore) << "schema migrated to version" << step.version << "-"
                            << step.description;
            version = step.version;
        }
        return version;
    } catch (const std::exception &e) {
        return fail(
            QStringLiteral("schema migration of %1 failed: %2")
                .arg(QString::fromStdString(db.getFilename()), QString::fromLocal8Bit(e.what())));
    }
}

} // namespace millrace
