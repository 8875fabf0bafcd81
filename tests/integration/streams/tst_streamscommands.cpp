// `millrace topics`, `produce` and `drain` as a script would use them, against a real Kafka
// broker (--bootstrap) and against the embedded broker of an app running on the workspace.

#include "testsupport/kafkabroker.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using testsupport::KafkaBroker;

namespace {

struct Outcome
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

QByteArray imageRecord(int id, int label)
{
    QByteArray pixels;
    for (int i = 0; i < 784; ++i) {
        if (i)
            pixels += ',';
        pixels += QByteArray::number((id * 13 + i) % 256);
    }
    return "{\"id\":\"r" + QByteArray::number(id) + "\",\"image\":[" + pixels
           + "],\"label\":" + QByteArray::number(label) + "}";
}

} // namespace

class TestStreamsCommands : public QObject
{
    Q_OBJECT

private:
    Outcome run(const QStringList &arguments, const QByteArray &input = {})
    {
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.remove(QStringLiteral("DISPLAY"));
        environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
        process.setProcessEnvironment(environment);
        process.start(m_binary,
                      QStringList{QStringLiteral("--workspace"), m_workspace.path()} + arguments);
        if (!process.waitForStarted())
            return {};
        process.write(input);
        process.closeWriteChannel();
        process.waitForFinished(120000);
        return Outcome{process.exitCode(), process.readAllStandardOutput(),
                       process.readAllStandardError()};
    }
    QStringList cluster() const
    {
        return {QStringLiteral("--bootstrap"), m_broker.bootstrapServers()};
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_binary = qEnvironmentVariable("MILLRACE_BIN");
        QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
        QVERIFY2(m_broker.start(), qPrintable(m_broker.errorString()));
    }

    void topicsAreCreatedListedDescribedAndDeleted()
    {
        Outcome created = run(QStringList{QStringLiteral("topics"), QStringLiteral("create"),
                                          QStringLiteral("cli-topic"),
                                          QStringLiteral("--partitions"), QStringLiteral("3")}
                              + cluster());
        QVERIFY2(created.exitCode == 0, created.err.constData());
        Outcome listed = run(
            QStringList{QStringLiteral("topics"), QStringLiteral("list"), QStringLiteral("--json")}
            + cluster());
        QVERIFY2(listed.exitCode == 0, listed.err.constData());
        const QJsonArray topics =
            QJsonDocument::fromJson(listed.out).object().value(QStringLiteral("topics")).toArray();
        bool found = false;
        for (const QJsonValue &topic : topics) {
            if (topic[QStringLiteral("name")].toString() == QLatin1String("cli-topic")) {
                found = true;
                QCOMPARE(topic[QStringLiteral("partitions")].toArray().size(), 3);
            }
            // Internal topics only with --all.
            QVERIFY(!topic[QStringLiteral("name")].toString().startsWith(QLatin1String("__")));
        }
        QVERIFY(found);

        Outcome again = run(QStringList{QStringLiteral("topics"), QStringLiteral("create"),
                                        QStringLiteral("cli-topic")}
                            + cluster());
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains("already exists"), again.err.constData());

        Outcome deleted = run(QStringList{QStringLiteral("topics"), QStringLiteral("delete"),
                                          QStringLiteral("cli-topic")}
                              + cluster());
        QVERIFY2(deleted.exitCode == 0, deleted.err.constData());
        Outcome missing = run(QStringList{QStringLiteral("topics"), QStringLiteral("describe"),
                                          QStringLiteral("cli-topic")}
                              + cluster());
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.contains("no topic"), missing.err.constData());
    }

    void producedMessagesAreDrainedIntoABatch()
    {
        QVERIFY(m_broker.createTopic(QStringLiteral("cli-images"), 2));
        QByteArray lines;
        for (int i = 0; i < 120; ++i)
            lines += imageRecord(i, i % 10) + '\n';
        lines += "{not json\n";
        lines += "{\"id\":\"short\",\"image\":[1,2],\"label\":3}\n";
        Outcome produced =
            run(QStringList{QStringLiteral("produce"), QStringLiteral("cli-images")} + cluster(),
                lines);
        QVERIFY2(produced.exitCode == 0, produced.err.constData());
        QVERIFY2(produced.out.contains("delivered 122 of 122"), produced.out.constData());

        Outcome described = run(QStringList{QStringLiteral("topics"), QStringLiteral("describe"),
                                            QStringLiteral("cli-images"), QStringLiteral("--json")}
                                + cluster());
        QVERIFY2(described.exitCode == 0, described.err.constData());
        QCOMPARE(QJsonDocument::fromJson(described.out)
                     .object()
                     .value(QStringLiteral("messages"))
                     .toInt(),
                 122);

        Outcome drained = run(QStringList{QStringLiteral("drain"), QStringLiteral("cli-images"),
                                          QStringLiteral("--group"), QStringLiteral("cli-group"),
                                          QStringLiteral("--json")}
                              + cluster());
        QVERIFY2(drained.exitCode == 0, drained.err.constData());
        const QJsonObject report = QJsonDocument::fromJson(drained.out).object();
        QCOMPARE(report.value(QStringLiteral("samples")).toInt(), 120);
        QCOMPARE(report.value(QStringLiteral("dead_letters")).toInt(), 2);
        QVERIFY(report.value(QStringLiteral("offsets_committed")).toBool());
        const QString batch = report.value(QStringLiteral("batch")).toString();
        QVERIFY(QFileInfo::exists(
            QDir(m_workspace.path())
                .filePath(QStringLiteral("data/incoming/%1/manifest.json").arg(batch))));

        // The group's lag is zero now, and a second drain finds nothing new.
        Outcome lag = run(QStringList{QStringLiteral("topics"), QStringLiteral("describe"),
                                      QStringLiteral("cli-images"), QStringLiteral("--group"),
                                      QStringLiteral("cli-group"), QStringLiteral("--json")}
                          + cluster());
        QVERIFY2(lag.exitCode == 0, lag.err.constData());
        for (const QJsonValue &partition : QJsonDocument::fromJson(lag.out)
                                               .object()[QStringLiteral("group")]
                                               .toObject()[QStringLiteral("partitions")]
                                               .toArray()) {
            QCOMPARE(partition[QStringLiteral("lag")].toInt(), 0);
        }
        Outcome nothing = run(QStringList{QStringLiteral("drain"), QStringLiteral("cli-images"),
                                          QStringLiteral("--group"), QStringLiteral("cli-group")}
                              + cluster());
        QVERIFY2(nothing.exitCode == 0, nothing.err.constData());
        QVERIFY2(nothing.out.startsWith("nothing new"), nothing.out.constData());
    }

    void badArgumentsAreUsageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("topics without action") << QStringList{QStringLiteral("topics")};
        QTest::newRow("unknown action")
            << QStringList{QStringLiteral("topics"), QStringLiteral("burn")};
        QTest::newRow("zero partitions")
            << QStringList{QStringLiteral("topics"), QStringLiteral("create"), QStringLiteral("t"),
                           QStringLiteral("--partitions"), QStringLiteral("0")};
        QTest::newRow("produce without topic") << QStringList{QStringLiteral("produce")};
        QTest::newRow("drain two topics")
            << QStringList{QStringLiteral("drain"), QStringLiteral("a"), QStringLiteral("b")};
        QTest::newRow("negative max") << QStringList{QStringLiteral("drain"), QStringLiteral("a"),
                                                     QStringLiteral("--max"), QStringLiteral("-3")};
    }
    void badArgumentsAreUsageErrors()
    {
        QFETCH(QStringList, arguments);
        const Outcome outcome = run(arguments + cluster());
        QCOMPARE(outcome.exitCode, 2);
        QVERIFY(outcome.err.contains("usage:"));
    }

    void withoutAClusterTheCommandsSayWhatToDo()
    {
        QTemporaryDir empty;
        QProcess process;
        process.start(m_binary, {QStringLiteral("--workspace"), empty.path(),
                                 QStringLiteral("topics"), QStringLiteral("list")});
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 1);
        QVERIFY2(process.readAllStandardError().contains("--bootstrap"), "no hint");
    }

    void theEmbeddedBrokerOfARunningAppIsReached()
    {
        QTemporaryDir workspace;
        QProcess app;
        app.setProcessChannelMode(QProcess::MergedChannels);
        app.start(m_binary,
                  {QStringLiteral("--headless"), QStringLiteral("--workspace"), workspace.path(),
                   QStringLiteral("--tracking-port"), QStringLiteral("0")});
        QVERIFY(app.waitForStarted());
        auto runHere = [&](const QStringList &arguments, const QByteArray &input = {}) {
            QProcess process;
            process.start(m_binary,
                          QStringList{QStringLiteral("--workspace"), workspace.path()} + arguments);
            process.write(input);
            process.closeWriteChannel();
            process.waitForFinished(60000);
            return Outcome{process.exitCode(), process.readAllStandardOutput(),
                           process.readAllStandardError()};
        };
        // The app publishes its broker's address once the streams service runs.
        QTRY_VERIFY_WITH_TIMEOUT(
            runHere({QStringLiteral("topics"), QStringLiteral("list")}).exitCode == 0, 30000);
        Outcome produced = runHere({QStringLiteral("produce"), QStringLiteral("here"),
                                    QStringLiteral("one"), QStringLiteral("two")});
        QVERIFY2(produced.exitCode == 0, produced.err.constData());
        Outcome listed = runHere({QStringLiteral("topics"), QStringLiteral("list")});
        QVERIFY2(listed.out.contains("here"), listed.out.constData());
        Outcome created =
            runHere({QStringLiteral("topics"), QStringLiteral("create"), QStringLiteral("nope")});
        QCOMPARE(created.exitCode, 1);
        QVERIFY2(created.err.contains("inside the app"), created.err.constData());
        app.terminate();
        QVERIFY(app.waitForFinished(30000));
        QCOMPARE(app.exitCode(), 0);
        Outcome after = runHere({QStringLiteral("topics"), QStringLiteral("list")});
        QCOMPARE(after.exitCode, 1);
        QVERIFY2(after.err.contains("start millrace"), after.err.constData());
    }

private:
    QString m_binary;
    QTemporaryDir m_workspace;
    KafkaBroker m_broker;
};

QTEST_GUILESS_MAIN(TestStreamsCommands)
#include "tst_streamscommands.moc"
