// The real Kafka broker the streams tests run against (testsupport/kafkabroker.h): messages go
// through PLAINTEXT, SASL (PLAIN and SCRAM-SHA-256) takes only the right password, SSL works with
// the broker's CA and only with it, and a restart keeps ports, topics and messages. The client
// is Debian's kcat, built on the same librdkafka Millrace links.

#include "testsupport/kafkabroker.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QString topic = u"smoke"_s;
const QByteArrayList firstMessages = {"alpha", "beta", "gamma"};

struct KcatRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs kcat with `arguments`, feeding it `input`, for at most 60 s.
KcatRun kcat(const QStringList &arguments, const QByteArray &input = {})
{
    QProcess process;
    process.start(u"/usr/bin/kcat"_s, arguments);
    KcatRun run;
    if (!process.waitForStarted()) {
        run.err = process.errorString().toUtf8();
        return run;
    }
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(60000))
        process.kill();
    process.waitForFinished();
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QStringList sslOptions(const QString &caPath)
{
    return {u"-X"_s, u"security.protocol=ssl"_s, u"-X"_s, u"ssl.ca.location="_s + caPath};
}

} // namespace

class TestKafkaBroker : public QObject
{
    Q_OBJECT

    // The functions build on each other in this order: one broker, one topic, the messages the
    // first one produced.
private Q_SLOTS:
    void initTestCase();
    void plaintextCarriesMessages();
    void saslTakesOnlyTheRightPassword_data();
    void saslTakesOnlyTheRightPassword();
    void sslNeedsTheBrokersCa();
    void restartKeepsPortsAndMessages();
    void stoppedBrokerDoesNotAnswer();

private:
    // Every message in `topic` from the beginning, through the given listener.
    QByteArrayList consumeAll(const QString &bootstrap, const QStringList &options = {});

    testsupport::KafkaBroker m_broker;
};

void TestKafkaBroker::initTestCase()
{
    QVERIFY2(QFileInfo(u"/usr/bin/kcat"_s).isExecutable(),
             "kcat is missing: packaging/dev.sh deps installs it");
    QElapsedTimer timer;
    timer.start();
    QVERIFY2(m_broker.start(), qPrintable(m_broker.errorString()));
    qInfo("broker ready after %lld ms at %s", timer.elapsed(),
          qPrintable(m_broker.bootstrapServers()));
    QVERIFY2(m_broker.createTopic(topic), qPrintable(m_broker.errorString()));
}

QByteArrayList TestKafkaBroker::consumeAll(const QString &bootstrap, const QStringList &options)
{
    const KcatRun run = kcat(QStringList{u"-C"_s, u"-b"_s, bootstrap, u"-t"_s, topic, u"-o"_s,
                                         u"beginning"_s, u"-e"_s, u"-q"_s, u"-f"_s, u"%s\\n"_s}
                             + options);
    if (run.exitCode != 0)
        qWarning("kcat -C failed: %s", run.err.constData());
    QByteArrayList messages = run.out.split('\n');
    messages.removeAll(QByteArray());
    return messages;
}

void TestKafkaBroker::plaintextCarriesMessages()
{
    const KcatRun produce = kcat({u"-P"_s, u"-b"_s, m_broker.bootstrapServers(), u"-t"_s, topic},
                                 firstMessages.join('\n') + '\n');
    QVERIFY2(produce.exitCode == 0, produce.err.constData());
    QCOMPARE(consumeAll(m_broker.bootstrapServers()), firstMessages);
}

void TestKafkaBroker::saslTakesOnlyTheRightPassword_data()
{
    QTest::addColumn<QString>("mechanism");
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("accepted");
    const QString right = testsupport::KafkaBroker::saslPassword();
    const QString wrong = u"not-the-password"_s;
    QTest::newRow("PLAIN, right password") << u"PLAIN"_s << right << true;
    QTest::newRow("PLAIN, wrong password") << u"PLAIN"_s << wrong << false;
    QTest::newRow("SCRAM-SHA-256, right password") << u"SCRAM-SHA-256"_s << right << true;
    QTest::newRow("SCRAM-SHA-256, wrong password") << u"SCRAM-SHA-256"_s << wrong << false;
}

void TestKafkaBroker::saslTakesOnlyTheRightPassword()
{
    QFETCH(QString, mechanism);
    QFETCH(QString, password);
    QFETCH(bool, accepted);
    const QStringList options = {
        u"-X"_s, u"security.protocol=SASL_PLAINTEXT"_s,
        u"-X"_s, u"sasl.mechanisms="_s + mechanism,
        u"-X"_s, u"sasl.username="_s + testsupport::KafkaBroker::saslUser(),
        u"-X"_s, u"sasl.password="_s + password};
    // A refused login shows only as no metadata within the timeout: keep that short.
    const KcatRun run = kcat(QStringList{u"-L"_s, u"-b"_s, m_broker.saslBootstrapServers(), u"-t"_s,
                                         topic, u"-m"_s, accepted ? u"10"_s : u"3"_s}
                             + options);
    if (accepted) {
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY2(run.out.contains("topic \"smoke\""), run.out.constData());
        QCOMPARE(consumeAll(m_broker.saslBootstrapServers(), options), firstMessages);
    } else {
        QVERIFY2(run.exitCode != 0, run.out.constData());
        QVERIFY2(run.err.contains("Authentication failed"), run.err.constData());
    }
}

void TestKafkaBroker::sslNeedsTheBrokersCa()
{
    QCOMPARE(consumeAll(m_broker.sslBootstrapServers(), sslOptions(m_broker.caPath())),
             firstMessages);

    // Without the CA, kcat trusts only the system's store: the broker's certificate is refused.
    const KcatRun untrusted = kcat({u"-L"_s, u"-b"_s, m_broker.sslBootstrapServers(), u"-m"_s,
                                    u"3"_s, u"-X"_s, u"security.protocol=ssl"_s});
    QVERIFY2(untrusted.exitCode != 0, untrusted.out.constData());
    QVERIFY2(untrusted.err.contains("certificate verify failed"), untrusted.err.constData());
}

void TestKafkaBroker::restartKeepsPortsAndMessages()
{
    const QString before = m_broker.bootstrapServers();
    const QString saslBefore = m_broker.saslBootstrapServers();
    const QString sslBefore = m_broker.sslBootstrapServers();
    QElapsedTimer timer;
    timer.start();
    QVERIFY2(m_broker.restart(), qPrintable(m_broker.errorString()));
    qInfo("restart took %lld ms", timer.elapsed());
    QCOMPARE(m_broker.bootstrapServers(), before);
    QCOMPARE(m_broker.saslBootstrapServers(), saslBefore);
    QCOMPARE(m_broker.sslBootstrapServers(), sslBefore);

    QCOMPARE(consumeAll(m_broker.bootstrapServers()), firstMessages);
    const KcatRun produce =
        kcat({u"-P"_s, u"-b"_s, m_broker.bootstrapServers(), u"-t"_s, topic}, "delta\n");
    QVERIFY2(produce.exitCode == 0, produce.err.constData());
    QCOMPARE(consumeAll(m_broker.bootstrapServers()), firstMessages + QByteArrayList{"delta"});
}

void TestKafkaBroker::stoppedBrokerDoesNotAnswer()
{
    const QString bootstrap = m_broker.bootstrapServers();
    QVERIFY2(m_broker.stop(), qPrintable(m_broker.errorString()));
    QVERIFY(!m_broker.isRunning());
    const KcatRun run = kcat({u"-L"_s, u"-b"_s, bootstrap, u"-m"_s, u"3"_s});
    QVERIFY2(run.exitCode != 0, run.out.constData());
}

QTEST_GUILESS_MAIN(TestKafkaBroker)
#include "tst_kafkabroker.moc"
