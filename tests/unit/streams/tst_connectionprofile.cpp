// Connection profiles: validation, the stored form, and the librdkafka properties they make.

#include "core/streams/connectionprofile.h"
#include "testsupport/verify.h"

#include <QTemporaryDir>
#include <QTest>

using namespace millrace::streams;

namespace {

ConnectionProfile plainProfile()
{
    ConnectionProfile profile;
    profile.id = QStringLiteral("0b7c4a0e-7d1f-4a8e-9a55-0f3f6ad1c001");
    profile.name = QStringLiteral("local");
    profile.bootstrapServers = QStringLiteral("127.0.0.1:9092");
    return profile;
}

QString propertyValue(const ClientProperties &properties, const std::string &name)
{
    QString value;
    for (const auto &[key, setting] : properties) {
        if (key == name)
            value = QString::fromStdString(setting);
    }
    return value;
}

bool hasProperty(const ClientProperties &properties, const std::string &name)
{
    return std::any_of(properties.begin(), properties.end(),
                       [&](const auto &entry) { return entry.first == name; });
}

} // namespace

class TestConnectionProfile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bootstrapServers_data()
    {
        QTest::addColumn<QString>("servers");
        QTest::addColumn<bool>("valid");
        QTest::newRow("one") << "127.0.0.1:9092" << true;
        QTest::newRow("several, spaced") << "kafka-1:9092, kafka-2.example.org:9093" << true;
        QTest::newRow("ipv6") << "[::1]:9092" << true;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("no port") << "localhost" << false;
        QTest::newRow("port zero") << "localhost:0" << false;
        QTest::newRow("port too large") << "localhost:70000" << false;
        QTest::newRow("empty entry") << "a:1,,b:2" << false;
        QTest::newRow("url") << "http://localhost:9092" << false;
    }
    void bootstrapServers()
    {
        QFETCH(QString, servers);
        QFETCH(bool, valid);
        ConnectionProfile profile = plainProfile();
        profile.bootstrapServers = servers;
        const millrace::Result<void> checked = validateProfile(profile);
        QCOMPARE(checked.hasValue(), valid);
        if (!valid) {
            QCOMPARE(checked.error().code, QString::fromLatin1(errorcode::kInvalidArgument));
            QVERIFY(!checked.errorMessage().isEmpty());
        }
    }

    void saslNeedsUserName()
    {
        ConnectionProfile profile = plainProfile();
        profile.securityProtocol = SecurityProtocol::SaslPlaintext;
        VERIFY_FAILS(validateProfile(profile), QString::fromLatin1(errorcode::kInvalidArgument));
        profile.username = QStringLiteral("alice");
        VERIFY_OK(validateProfile(profile));
    }

    void secretsAreRefusedAsExtraProperties_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("sasl.password") << "sasl.password";
        QTest::newRow("ssl.key.password") << "ssl.key.password";
        QTest::newRow("keystore") << "ssl.keystore.password";
        QTest::newRow("oauth secret") << "sasl.oauthbearer.client.secret";
        QTest::newRow("key pem") << "ssl.key.pem";
        QTest::newRow("upper case") << "SASL.PASSWORD";
    }
    void secretsAreRefusedAsExtraProperties()
    {
        QFETCH(QString, name);
        ConnectionProfile profile = plainProfile();
        profile.extraProperties.insert(name, QStringLiteral("hunter2"));
        const millrace::Result<void> checked = validateProfile(profile);
        QVERIFY(!checked);
        QVERIFY2(checked.errorMessage().contains(QLatin1String("keychain")),
                 qPrintable(checked.errorMessage()));
        QVERIFY(!checked.errorMessage().contains(QLatin1String("hunter2")));
    }

    void missingCertificateFilesAreNamed()
    {
        ConnectionProfile profile = plainProfile();
        profile.securityProtocol = SecurityProtocol::Ssl;
        profile.caLocation = QStringLiteral("/nonexistent/ca.pem");
        const millrace::Result<void> checked = validateProfile(profile);
        QVERIFY(!checked);
        QVERIFY(checked.errorMessage().contains(QLatin1String("/nonexistent/ca.pem")));

        QTemporaryDir dir;
        QFile ca(dir.filePath(QStringLiteral("ca.pem")));
        QVERIFY(ca.open(QIODevice::WriteOnly));
        ca.write("-----BEGIN CERTIFICATE-----\n");
        ca.close();
        profile.caLocation = ca.fileName();
        VERIFY_OK(validateProfile(profile));
        profile.certificateLocation = ca.fileName(); // a certificate without its key
        QVERIFY(!validateProfile(profile));
    }

    void jsonRoundTripsWithoutSecret()
    {
        ConnectionProfile profile = plainProfile();
        profile.securityProtocol = SecurityProtocol::SaslSsl;
        profile.saslMechanism = SaslMechanism::ScramSha512;
        profile.username = QStringLiteral("alice");
        profile.clientId = QStringLiteral("workstation-7");
        profile.extraProperties.insert(QStringLiteral("socket.keepalive.enable"),
                                       QStringLiteral("true"));
        const QJsonObject json = profileToJson(profile);
        QCOMPARE(json.value(QStringLiteral("security_protocol")).toString(), "SASL_SSL");
        QCOMPARE(json.value(QStringLiteral("sasl_mechanism")).toString(), "SCRAM-SHA-512");
        millrace::Result<ConnectionProfile> back = profileFromJson(json);
        VERIFY_OK(back);
        QVERIFY(back.value() == profile);

        QJsonObject bad = json;
        bad.insert(QStringLiteral("security_protocol"), QStringLiteral("CARRIER_PIGEON"));
        VERIFY_FAILS(profileFromJson(bad), QString::fromLatin1(errorcode::kInvalidArgument));
    }

    void clientPropertiesCarryTheSecretOnlyWhereNeeded()
    {
        ConnectionProfile profile = plainProfile();
        millrace::Result<ClientProperties> plain = clientProperties(profile, QString());
        VERIFY_OK(plain);
        QCOMPARE(propertyValue(plain.value(), "bootstrap.servers"), "127.0.0.1:9092");
        QCOMPARE(propertyValue(plain.value(), "security.protocol"), "PLAINTEXT");
        QVERIFY(!hasProperty(plain.value(), "sasl.password"));

        profile.securityProtocol = SecurityProtocol::SaslPlaintext;
        profile.saslMechanism = SaslMechanism::ScramSha256;
        profile.username = QStringLiteral("alice");
        profile.extraProperties.insert(QStringLiteral("client.id"), QStringLiteral("override"));
        millrace::Result<ClientProperties> sasl = clientProperties(profile, QStringLiteral("s3"));
        VERIFY_OK(sasl);
        QCOMPARE(propertyValue(sasl.value(), "sasl.mechanisms"), "SCRAM-SHA-256");
        QCOMPARE(propertyValue(sasl.value(), "sasl.username"), "alice");
        QCOMPARE(propertyValue(sasl.value(), "sasl.password"), "s3");
        // Extra properties come last, so they win.
        QCOMPARE(propertyValue(sasl.value(), "client.id"), "override");

        profile.bootstrapServers.clear();
        QVERIFY(!clientProperties(profile, QString()));
    }

    void secretKeyNamesTheProfile()
    {
        const ConnectionProfile profile = plainProfile();
        QCOMPARE(profile.secretKey(),
                 QStringLiteral("streams/0b7c4a0e-7d1f-4a8e-9a55-0f3f6ad1c001/password"));
    }
};

QTEST_GUILESS_MAIN(TestConnectionProfile)
#include "tst_connectionprofile.moc"
