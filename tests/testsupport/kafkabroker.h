#pragma once

// A real Apache Kafka broker for integration tests: Kafka 3.9 in KRaft mode (one node that is
// broker and controller) on 127.0.0.1, started by tests/kafka/kafka_broker.sh in a temporary
// state directory. Include as "testsupport/kafkabroker.h". The test's ENVIRONMENT must set
// MILLRACE_KAFKA_BROKER to the script (tests/integration/CMakeLists.txt has
// MILLRACE_KAFKA_TEST_ENVIRONMENT) and the test should require the ctest fixture `kafka`, which
// fetches the broker's jars once. A broker that cannot be started is a failure, never a skip:
//
//     QVERIFY2(m_broker.start(), qPrintable(m_broker.errorString()));

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace testsupport {

class KafkaBroker
{
public:
    // The SASL user and password the broker accepts on saslBootstrapServers(), with the PLAIN
    // and the SCRAM-SHA-256 mechanism.
    static QString saslUser() { return QStringLiteral("millrace"); }
    static QString saslPassword() { return QStringLiteral("millrace-secret"); }

    // Makes the broker's temporary state directory; nothing runs before start().
    KafkaBroker() : m_stateDir(QDir::tempPath() + QStringLiteral("/millrace-kafka-XXXXXX")) {}
    KafkaBroker(const KafkaBroker &) = delete;
    KafkaBroker &operator=(const KafkaBroker &) = delete;

    // Stops the broker if it runs; its state directory is removed.
    ~KafkaBroker() { stop(); }

    // Starts the broker and waits until all its listeners answer (a few seconds; the first start
    // in a state directory also formats the storage and makes the TLS certificates). Returns
    // false with errorString() holding the script's message (and the broker's log) when the
    // broker cannot be fetched or started.
    bool start()
    {
        if (!m_stateDir.isValid())
            return fail(QStringLiteral("cannot make a state directory: ")
                        + m_stateDir.errorString());
        if (!runScript(QStringLiteral("start"), 300000))
            return false;
        m_bootstrap = readStateFile(QStringLiteral("bootstrap"));
        m_saslBootstrap = readStateFile(QStringLiteral("bootstrap.sasl"));
        m_sslBootstrap = readStateFile(QStringLiteral("bootstrap.ssl"));
        if (m_bootstrap.isEmpty() || m_saslBootstrap.isEmpty() || m_sslBootstrap.isEmpty())
            return fail(QStringLiteral("kafka_broker.sh start wrote no bootstrap files in ")
                        + m_stateDir.path());
        m_running = true;
        return true;
    }

    // Stops the broker (SIGTERM, SIGKILL after 30 s), keeping its data for restart(). Returns
    // false with errorString() when the script fails.
    bool stop()
    {
        if (!m_running)
            return true;
        m_running = false;
        return runScript(QStringLiteral("stop"), 60000);
    }

    // Stops the broker and starts it again on the same ports with the same data: clients keep
    // their bootstrap addresses, topics and messages are still there.
    bool restart() { return stop() && start(); }

    // Whether the broker was started and not stopped since.
    bool isRunning() const { return m_running; }

    // Creates a topic with one replica (the broker does not create topics on first use).
    bool createTopic(const QString &name, int partitions = 1)
    {
        return runScript(QStringLiteral("create-topic"), 60000,
                         {name, QString::number(partitions)});
    }

    // "127.0.0.1:port" of the PLAINTEXT listener.
    QString bootstrapServers() const { return m_bootstrap; }

    // "127.0.0.1:port" of the SASL_PLAINTEXT listener (mechanisms PLAIN and SCRAM-SHA-256).
    QString saslBootstrapServers() const { return m_saslBootstrap; }

    // "127.0.0.1:port" of the SSL listener; its certificate is for 127.0.0.1 and localhost.
    QString sslBootstrapServers() const { return m_sslBootstrap; }

    // The PEM file of the CA that signed the SSL listener's certificate (ssl.ca.location).
    QString caPath() const { return m_stateDir.filePath(QStringLiteral("ca.pem")); }

    // The broker's own log, for a failure message.
    QString logPath() const { return m_stateDir.filePath(QStringLiteral("broker.log")); }

    // What went wrong in the last call that returned false.
    QString errorString() const { return m_error; }

private:
    bool fail(const QString &message)
    {
        m_error = message;
        return false;
    }

    QString readStateFile(const QString &name) const
    {
        QFile file(m_stateDir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return QString::fromUtf8(file.readAll()).trimmed();
    }

    // Runs `kafka_broker.sh <command> <state dir> <arguments>` and waits up to timeoutMs.
    bool runScript(const QString &command, int timeoutMs, const QStringList &arguments = {})
    {
        const QString script = qEnvironmentVariable("MILLRACE_KAFKA_BROKER");
        if (script.isEmpty())
            return fail(QStringLiteral("MILLRACE_KAFKA_BROKER is not set: run the test through "
                                       "ctest, or set it to tests/kafka/kafka_broker.sh"));
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        // The script stops the broker when this process ends without doing so (a crash).
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("MILLRACE_KAFKA_OWNER_PID"),
                           QString::number(QCoreApplication::applicationPid()));
        process.setProcessEnvironment(environment);
        process.start(script, QStringList{command, m_stateDir.path()} + arguments);
        if (!process.waitForStarted())
            return fail(script + QStringLiteral(": ") + process.errorString());
        if (!process.waitForFinished(timeoutMs)) {
            process.kill();
            process.waitForFinished();
            return fail(QStringLiteral("kafka_broker.sh %1 did not finish within %2 s:\n%3")
                            .arg(command)
                            .arg(timeoutMs / 1000)
                            .arg(QString::fromLocal8Bit(process.readAll())));
        }
        const QString output = QString::fromLocal8Bit(process.readAll());
        if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
            return fail(QStringLiteral("kafka_broker.sh %1 failed (exit code %2):\n%3")
                            .arg(command)
                            .arg(process.exitCode())
                            .arg(output));
        return true;
    }

    QTemporaryDir m_stateDir;
    QString m_bootstrap;
    QString m_saslBootstrap;
    QString m_sslBootstrap;
    QString m_error;
    bool m_running = false;
};

} // namespace testsupport
