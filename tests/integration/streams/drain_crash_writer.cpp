// A child process for the drain's crash test against a real Kafka broker: it drains a topic
// into a workspace's batch folders as `millrace` would, telling its parent on stdout how far it
// got, and can stop in the middle and wait there to be killed with SIGKILL:
//
//   --pause-after N         after reading N messages, before any batch exists;
//   --pause-before-commit   after the batch is renamed into place, before the offsets are
//                           committed (the crash the batch store's offsets undo).
//
// Lines it prints (one per event, flushed): "PAUSED <messages read>", "BATCH <id> <samples>",
// "DONE <samples> <dead letters> <duplicates>", or "FAILED <reason>" (exit code 1).

#include "core/plugins/pluginmanager.h"
#include "core/streams/batchstore.h"
#include "core/streams/drainer.h"
#include "core/streams/kafkahandles.h"
#include "plugins/api/messagecodec.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QThread>

#include <cstdio>

using namespace millrace;
using namespace millrace::streams;

namespace {

void say(const QString &line)
{
    std::fputs(qPrintable(line + QLatin1Char('\n')), stdout);
    std::fflush(stdout);
}

[[noreturn]] void waitToBeKilled(const QString &line)
{
    say(line);
    for (;;)
        QThread::sleep(3600);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("drain_crash_writer"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Drains a Kafka topic into batch folders; a crash-test helper."));
    parser.addHelpOption();
    const QCommandLineOption bootstrap(QStringLiteral("bootstrap"),
                                       QStringLiteral("Kafka bootstrap servers."),
                                       QStringLiteral("host:port"));
    const QCommandLineOption topic(QStringLiteral("topic"), QStringLiteral("Topic to drain."),
                                   QStringLiteral("name"));
    const QCommandLineOption group(QStringLiteral("group"), QStringLiteral("Consumer group."),
                                   QStringLiteral("id"), QStringLiteral("millrace-drain"));
    const QCommandLineOption incoming(QStringLiteral("incoming"),
                                      QStringLiteral("Folder of incoming batches."),
                                      QStringLiteral("dir"));
    const QCommandLineOption used(QStringLiteral("used"), QStringLiteral("Folder of used batches."),
                                  QStringLiteral("dir"));
    const QCommandLineOption maxMessages(QStringLiteral("max-messages"),
                                         QStringLiteral("Stop after this many messages (0: all)."),
                                         QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption pauseAfter(
        QStringLiteral("pause-after"),
        QStringLiteral("Wait to be killed after reading n messages."), QStringLiteral("n"),
        QStringLiteral("0"));
    const QCommandLineOption pauseBeforeCommit(
        QStringLiteral("pause-before-commit"),
        QStringLiteral("Wait to be killed once the batch is written, before the commit."));
    const QCommandLineOption idleTimeout(QStringLiteral("idle-timeout-ms"),
                                         QStringLiteral("Stop when nothing arrives for this long."),
                                         QStringLiteral("ms"), QStringLiteral("15000"));
    const QCommandLineOption joinTimeout(
        QStringLiteral("join-timeout-ms"),
        QStringLiteral("Fail when the group assigns no partition for this long."),
        QStringLiteral("ms"), QStringLiteral("60000"));
    const QCommandLineOption plugins(
        QStringLiteral("plugins"), QStringLiteral("Folder holding the json-codec plugin."),
        QStringLiteral("dir"), QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR));
    parser.addOptions({bootstrap, topic, group, incoming, used, maxMessages, pauseAfter,
                       pauseBeforeCommit, idleTimeout, joinTimeout, plugins});
    parser.process(app);
    for (const QCommandLineOption &required : {bootstrap, topic, incoming, used}) {
        if (!parser.isSet(required)) {
            say(QStringLiteral("FAILED --%1 is required").arg(required.names().constFirst()));
            return 1;
        }
    }

    PluginManager pluginManager;
    pluginManager.load({parser.value(plugins)});
    const auto *codec = pluginManager.find<plugins::MessageCodec>(QStringLiteral("json-codec"));
    if (!codec) {
        say(QStringLiteral("FAILED no json-codec plugin in %1").arg(parser.value(plugins)));
        return 1;
    }

    DrainRequest request;
    request.endpoint =
        ClusterEndpoint{QStringLiteral("crash test"),
                        {{"bootstrap.servers", parser.value(bootstrap).toStdString()},
                         {"client.id", "millrace-drain-crash-writer"}},
                        nullptr};
    request.topic = parser.value(topic);
    request.groupId = parser.value(group);
    request.layout = RecordLayout::fashionMnist();
    request.codec = codec;
    request.maxMessages = parser.value(maxMessages).toLongLong();
    request.idleTimeout = std::chrono::milliseconds(parser.value(idleTimeout).toLongLong());
    request.joinTimeout = std::chrono::milliseconds(parser.value(joinTimeout).toLongLong());
    const qint64 pauseAt = parser.value(pauseAfter).toLongLong();
    // Progress after every message, so the pause comes exactly after N.
    if (pauseAt > 0)
        request.progressEveryMessages = 1;
    const bool pauseAtCommit = parser.isSet(pauseBeforeCommit);
    request.beforeCommit = [pauseAtCommit](const BatchManifest &batch) {
        const QString line = QStringLiteral("BATCH %1 %2").arg(batch.id).arg(batch.sampleCount);
        if (pauseAtCommit)
            waitToBeKilled(line);
        say(line);
    };

    BatchStore store(parser.value(incoming), parser.value(used));
    const Result<DrainReport> report =
        drainToBatch(request, store, CancellationToken(), [pauseAt](const DrainProgress &progress) {
            if (pauseAt > 0 && progress.messagesRead >= pauseAt)
                waitToBeKilled(QStringLiteral("PAUSED %1").arg(progress.messagesRead));
        });
    if (!report) {
        say(QStringLiteral("FAILED %1").arg(report.errorMessage()));
        return 1;
    }
    say(QStringLiteral("DONE %1 %2 %3")
            .arg(report->samples)
            .arg(report->deadLetters)
            .arg(report->duplicates));
    return 0;
}
