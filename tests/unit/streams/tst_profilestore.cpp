// Connection profiles saved in a workspace database: no secret stored, unique names, the
// active profile.

#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/streams/profilestore.h"
#include "testsupport/verify.h"

#include <SQLiteCpp/Database.h>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace;
using namespace millrace::streams;

class TestProfileStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        auto store = Store::openMillrace(m_dir->filePath(QStringLiteral("millrace.db")));
        VERIFY_OK(store);
        m_store = std::move(store.value());
        m_profiles = std::make_unique<ProfileStore>(*m_store);
    }
    void cleanup()
    {
        m_profiles.reset();
        m_store.reset();
        m_dir.reset();
    }

    void savedProfilesComeBackAndGetAnId()
    {
        ConnectionProfile profile;
        profile.name = QStringLiteral("  team cluster ");
        profile.bootstrapServers = QStringLiteral("kafka-1:9092,kafka-2:9092");
        profile.securityProtocol = SecurityProtocol::SaslPlaintext;
        profile.saslMechanism = SaslMechanism::ScramSha256;
        profile.username = QStringLiteral("alice");
        Result<ConnectionProfile> saved = m_profiles->save(profile);
        VERIFY_OK(saved);
        QVERIFY(!saved->id.isEmpty());
        QCOMPARE(saved->name, QStringLiteral("team cluster"));

        Result<std::vector<ConnectionProfile>> all = m_profiles->list();
        VERIFY_OK(all);
        QCOMPARE(all->size(), size_t(1));
        QVERIFY(all->front() == saved.value());
        Result<ConnectionProfile> byName = m_profiles->find(QStringLiteral("TEAM CLUSTER"));
        VERIFY_OK(byName);
        QCOMPARE(byName->id, saved->id);
        VERIFY_OK(m_profiles->find(saved->id));
        VERIFY_FAILS(m_profiles->find(QStringLiteral("other")),
                     QString::fromLatin1(errorcode::kNotFound));

        saved->bootstrapServers = QStringLiteral("kafka-3:9092");
        VERIFY_OK(m_profiles->save(saved.value()));
        QCOMPARE(m_profiles->find(saved->id)->bootstrapServers, QStringLiteral("kafka-3:9092"));
        QCOMPARE(m_profiles->list()->size(), size_t(1));
    }

    void namesAreUnique()
    {
        ConnectionProfile first;
        first.name = QStringLiteral("prod");
        first.bootstrapServers = QStringLiteral("a:1");
        VERIFY_OK(m_profiles->save(first));
        ConnectionProfile second = first;
        second.name = QStringLiteral("PROD");
        VERIFY_FAILS(m_profiles->save(second), QString::fromLatin1(errorcode::kAlreadyExists));
        QCOMPARE(m_profiles->list()->size(), size_t(1));
    }

    void invalidProfilesAreNotSaved()
    {
        ConnectionProfile profile;
        profile.name = QStringLiteral("broken");
        profile.bootstrapServers = QStringLiteral("no-port");
        VERIFY_FAILS(m_profiles->save(profile), QString::fromLatin1(errorcode::kInvalidArgument));
        QVERIFY(m_profiles->list()->empty());
    }

    void theDatabaseNeverHoldsASecret()
    {
        ConnectionProfile profile;
        profile.name = QStringLiteral("sasl");
        profile.bootstrapServers = QStringLiteral("a:1");
        profile.securityProtocol = SecurityProtocol::SaslSsl;
        profile.username = QStringLiteral("bob");
        profile.extraProperties.insert(QStringLiteral("sasl.password"), QStringLiteral("hunter2"));
        QVERIFY(!m_profiles->save(profile));
        profile.extraProperties.clear();
        VERIFY_OK(m_profiles->save(profile));
        m_profiles.reset();
        m_store.reset();
        QFile file(m_dir->filePath(QStringLiteral("millrace.db")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        QVERIFY(!bytes.contains("hunter2"));
        QVERIFY(!bytes.contains("password\":"));
    }

    void theActiveProfileFallsBackToTheEmbeddedBroker()
    {
        QCOMPARE(m_profiles->activeProfileId().value(), QString());
        ConnectionProfile profile;
        profile.name = QStringLiteral("local");
        profile.bootstrapServers = QStringLiteral("127.0.0.1:9092");
        Result<ConnectionProfile> saved = m_profiles->save(profile);
        VERIFY_OK(saved);
        VERIFY_OK(m_profiles->setActiveProfileId(saved->id));
        QCOMPARE(m_profiles->activeProfileId().value(), saved->id);
        VERIFY_FAILS(m_profiles->setActiveProfileId(QStringLiteral("missing")),
                     QString::fromLatin1(errorcode::kNotFound));
        QCOMPARE(m_profiles->activeProfileId().value(), saved->id);
        VERIFY_OK(m_profiles->remove(saved->id));
        QCOMPARE(m_profiles->activeProfileId().value(), QString());
        VERIFY_FAILS(m_profiles->remove(saved->id), QString::fromLatin1(errorcode::kNotFound));
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<ProfileStore> m_profiles;
};

QTEST_GUILESS_MAIN(TestProfileStore)
#include "tst_profilestore.moc"
