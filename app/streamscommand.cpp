#include "app/streamscommand.h"

#include "app/commandline.h"
#include "app/unixsignals.h"
#include "core/plugins/pluginmanager.h"
#include "core/store/appstate.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/streams/clusterclient.h"
#include "core/streams/connectionprofile.h"
#include "core/streams/drainer.h"
#include "core/streams/producer.h"
#include "core/streams/profilestore.h"
#include "core/streams/streamsservice.h"
#include "core/workspace/secretstore.h"
#include "plugins/api/messagecodec.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <QtConcurrent/QtConcurrentRun>

#include <cstdio>

using namespace millrace;
using namespace millrace::streams;

namespace {

constexpr char kTopicsUsage[] =
    "usage: millrace [--workspace DIR] topics list [--all] [--json] [CLUSTER]\n"
    "       millrace [--workspace DIR] topics describe TOPIC [--group GROUP] [--json] [CLUSTER]\n"
    "       millrace [--workspace DIR] topics create TOPIC [--partitions N] [--replication N]\n"
    "                                  [--config KEY=VALUE]... [CLUSTER]\n"
    "       millrace [--workspace DIR] topics delete TOPIC [CLUSTER]\n"
    "CLUSTER is --bootstrap HOST:PORT[,...] (plaintext) or --profile NAME; without either, the\n"
    "workspace's active profile, or the embedded broker of the app running on the workspace.\n";

constexpr char kProduceUsage[] =
    "usage: millrace [--workspace DIR] produce TOPIC [VALUE...] [--file FILE|-] [--key KEY]\n"
    "                                  [--partition N] [--header NAME=VALUE]... [CLUSTER]\n"
    "Without VALUE or --file, messages are read from standard input, one per line; --file -\n"
    "does the same, --file FILE reads one message per line of FILE.\n";

constexpr char kDrainUsage[] =
    "usage: millrace [--workspace DIR] drain TOPIC [--group GROUP] [--max N] [--layout FILE]\n"
    "                                  [--codec ID] [--dead-letter-topic TOPIC] [--json] "
    "[CLUSTER]\n"
    "Drains the messages GROUP (default millrace-drain) has not consumed into a new batch under\n"
    "the workspace's data/incoming, then commits GROUP's offsets. --layout is a JSON record\n"
    "layout (default: Fashion-MNIST, {\"id\", \"image\": 784 values 0-255, \"label\"}); bad\n"
    "messages go to the batch's deadletter.jsonl (and TOPIC). Ctrl-C stops reading and keeps what\n"
    "was read.\n";

int usage(const char *command, const char *text, const QString &problem)
{
    QTextStream(stderr) << "millrace " << command << ": " << problem << "\n" << text;
    return ExitUsage;
}

int failure(const char *command, const QString &message)
{
    QTextStream(stderr) << "millrace " << command << ": " << message << "\n";
    return ExitFailure;
}

void addClusterOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("bootstrap"), QString(), QStringLiteral("servers")});
    parser.addOption({QStringLiteral("profile"), QString(), QStringLiteral("name")});
    parser.addOption({QStringLiteral("json"), QString()});
}

QJsonArray intArray(const std::vector<std::int32_t> &values)
{
    QJsonArray array;
    for (const std::int32_t value : values)
        array.append(value);
    return array;
}

QString joined(const std::vector<std::int32_t> &values)
{
    QStringList parts;
    for (const std::int32_t value : values)
        parts << QString::number(value);
    return parts.join(QLatin1Char(','));
}

QJsonObject topicJson(const TopicInfo &topic)
{
    QJsonArray partitions;
    for (const PartitionInfo &partition : topic.partitions) {
        QJsonObject entry{{QStringLiteral("partition"), partition.id},
                          {QStringLiteral("leader"), partition.leader},
                          {QStringLiteral("replicas"), intArray(partition.replicas)},
                          {QStringLiteral("isr"), intArray(partition.inSyncReplicas)},
                          {QStringLiteral("low_watermark"), qint64(partition.lowWatermark)},
                          {QStringLiteral("high_watermark"), qint64(partition.highWatermark)},
                          {QStringLiteral("messages"), qint64(partition.messageCount())}};
        if (!partition.error.isEmpty())
            entry.insert(QStringLiteral("error"), partition.error);
        partitions.append(entry);
    }
    return QJsonObject{{QStringLiteral("name"), topic.name},
                       {QStringLiteral("internal"), topic.internal},
                       {QStringLiteral("messages"), qint64(topic.messageCount())},
                       {QStringLiteral("partitions"), partitions}};
}

int listTopics(ClusterClient &client, bool all, bool json)
{
    Result<ClusterMetadata> metadata = client.metadata(true);
    if (!metadata)
        return failure("topics", metadata.errorMessage());
    QTextStream out(stdout);
    QJsonArray topics;
    if (!json)
        out << QStringLiteral("%1 %2 %3\n")
                   .arg(QStringLiteral("TOPIC"), -40)
                   .arg(QStringLiteral("PARTITIONS"), 10)
                   .arg(QStringLiteral("MESSAGES"), 12);
    for (const TopicInfo &topic : metadata->topics) {
        if (topic.internal && !all)
            continue;
        if (json) {
            topics.append(topicJson(topic));
            continue;
        }
        out << QStringLiteral("%1 %2 %3\n")
                   .arg(topic.name, -40)
                   .arg(topic.partitions.size(), 10)
                   .arg(topic.messageCount(), 12);
    }
    if (json)
        out << QJsonDocument(QJsonObject{{QStringLiteral("cluster"), client.endpoint().label},
                                         {QStringLiteral("topics"), topics}})
                   .toJson(QJsonDocument::Indented);
    return ExitOk;
}

int describeTopic(ClusterClient &client, const QString &name, const QString &group, bool json)
{
    Result<TopicInfo> topic = client.describeTopic(name);
    if (!topic)
        return failure("topics", topic.errorMessage());
    std::vector<GroupPartitionLag> lags;
    if (!group.isEmpty()) {
        Result<std::vector<GroupPartitionLag>> read = client.groupLag(group, {name});
        if (!read)
            return failure("topics", read.errorMessage());
        lags = std::move(read.value());
    }
    auto lagOf = [&](std::int32_t partition) -> const GroupPartitionLag * {
        for (const GroupPartitionLag &lag : lags) {
            if (lag.partition == partition)
                return &lag;
        }
        return nullptr;
    };
    QTextStream out(stdout);
    if (json) {
        QJsonObject object = topicJson(topic.value());
        if (!group.isEmpty()) {
            QJsonArray groupLags;
            for (const GroupPartitionLag &lag : lags) {
                groupLags.append(
                    QJsonObject{{QStringLiteral("partition"), lag.partition},
                                {QStringLiteral("committed"), qint64(lag.committedOffset)},
                                {QStringLiteral("lag"), qint64(lag.lag)}});
            }
            object.insert(QStringLiteral("group"),
                          QJsonObject{{QStringLiteral("id"), group},
                                      {QStringLiteral("partitions"), groupLags}});
        }
        out << QJsonDocument(object).toJson(QJsonDocument::Indented);
        return ExitOk;
    }
    out << topic->name << ": " << topic->partitions.size() << " partitions, "
        << topic->messageCount() << " messages\n";
    out << QStringLiteral("%1 %2 %3 %4 %5 %6")
               .arg(QStringLiteral("PARTITION"), 9)
               .arg(QStringLiteral("LEADER"), 6)
               .arg(QStringLiteral("REPLICAS"), -10)
               .arg(QStringLiteral("ISR"), -10)
               .arg(QStringLiteral("LOW"), 12)
               .arg(QStringLiteral("HIGH"), 12);
    if (!group.isEmpty())
        out << QStringLiteral(" %1 %2")
                   .arg(QStringLiteral("COMMITTED"), 12)
                   .arg(QStringLiteral("LAG"), 10);
    out << "\n";
    for (const PartitionInfo &partition : topic->partitions) {
        out << QStringLiteral("%1 %2 %3 %4 %5 %6")
                   .arg(partition.id, 9)
                   .arg(partition.leader, 6)
                   .arg(joined(partition.replicas), -10)
                   .arg(joined(partition.inSyncReplicas), -10)
                   .arg(partition.lowWatermark, 12)
                   .arg(partition.highWatermark, 12);
        if (!group.isEmpty()) {
            const GroupPartitionLag *lag = lagOf(partition.id);
            out << QStringLiteral(" %1 %2")
                       .arg(lag && lag->committedOffset >= 0 ? QString::number(lag->committedOffset)
                                                             : QStringLiteral("-"),
                            12)
                       .arg(lag ? lag->lag : partition.messageCount(), 10);
        }
        out << "\n";
    }
    return ExitOk;
}

} // namespace

const char *topicsUsage()
{
    return kTopicsUsage;
}

const char *produceUsage()
{
    return kProduceUsage;
}

const char *drainUsage()
{
    return kDrainUsage;
}

Result<ClusterEndpoint> commandEndpoint(const QString &workspace, const QString &bootstrap,
                                        const QString &profileName)
{
    if (!bootstrap.isEmpty()) {
        ConnectionProfile profile;
        profile.name = bootstrap;
        profile.bootstrapServers = bootstrap;
        return endpointForProfile(profile, QString());
    }
    const QString database = QDir(workspace).filePath(QStringLiteral("millrace.db"));
    if (!QFile::exists(database) && profileName.isEmpty()) {
        return fail(
            QStringLiteral("%1 is not a workspace yet; give --bootstrap HOST:PORT").arg(workspace));
    }
    auto store = Store::openReadOnly(database, millraceMigrations(), kMillraceApplicationId);
    if (!store)
        return store.error();
    ProfileStore profiles(*store.value());
    QString id = profileName;
    if (id.isEmpty()) {
        Result<QString> active = profiles.activeProfileId();
        if (!active)
            return active.error();
        id = active.value();
    }
    if (id.isEmpty()) {
        Result<QString> published = store.value()->read([](SQLite::Database &db) {
            return appstate::get(db, QString::fromLatin1(kEmbeddedBootstrapSetting))
                .value_or(QString());
        });
        if (!published)
            return published.error();
        if (published->isEmpty()) {
            return fail(QStringLiteral(
                "the workspace uses the embedded broker, which runs inside the app: start "
                "millrace on this workspace, or give --profile NAME or --bootstrap HOST:PORT"));
        }
        ConnectionProfile embedded;
        embedded.name = QStringLiteral("embedded broker — not durable");
        embedded.bootstrapServers = published.value();
        Result<ClusterEndpoint> endpoint = endpointForProfile(embedded, QString());
        if (endpoint)
            endpoint->remoteEmbedded = true;
        return endpoint;
    }
    Result<ConnectionProfile> profile = profiles.find(id);
    if (!profile)
        return profile.error();
    QString secret;
    if (profile->usesSasl() || !profile->keyLocation.isEmpty()) {
        Result<QString> read = readSecret(profile->secretKey());
        if (!read && profile->usesSasl()) {
            return fail(QStringLiteral("cannot read the password of profile '%1' from the "
                                       "keychain: %2")
                            .arg(profile->name, read.errorMessage()));
        }
        if (read)
            secret = read.value();
    }
    return endpointForProfile(profile.value(), secret);
}

int runTopicsCommand(const Invocation &invocation)
{
    const QStringList args = invocation.command;
    const QString action = args.value(1);
    static const QStringList actions = {QStringLiteral("list"), QStringLiteral("describe"),
                                        QStringLiteral("create"), QStringLiteral("delete")};
    if (!actions.contains(action)) {
        return usage("topics", kTopicsUsage,
                     action.isEmpty()
                         ? QStringLiteral("which topics command?")
                         : QStringLiteral("unknown topics command \"%1\"").arg(action));
    }
    QCommandLineParser parser;
    addClusterOptions(parser);
    parser.addOption({QStringLiteral("all"), QString()});
    parser.addOption({QStringLiteral("group"), QString(), QStringLiteral("group")});
    parser.addOption(
        {QStringLiteral("partitions"), QString(), QStringLiteral("n"), QStringLiteral("1")});
    parser.addOption(
        {QStringLiteral("replication"), QString(), QStringLiteral("n"), QStringLiteral("1")});
    parser.addOption({QStringLiteral("config"), QString(), QStringLiteral("key=value")});
    if (!parser.parse(QStringList{QStringLiteral("millrace-topics")} + args.mid(2)))
        return usage("topics", kTopicsUsage, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    const bool json = parser.isSet(QStringLiteral("json"));

    const bool takesTopic = action != QLatin1String("list");
    if (positional.size() != (takesTopic ? 1 : 0)) {
        return usage("topics", kTopicsUsage,
                     takesTopic ? QStringLiteral("%1 takes one topic name").arg(action)
                                : QStringLiteral("list takes no arguments"));
    }
    bool partitionsOk = false;
    bool replicationOk = false;
    TopicSpec spec;
    spec.name = positional.value(0);
    spec.partitions = parser.value(QStringLiteral("partitions")).toInt(&partitionsOk);
    spec.replicationFactor = parser.value(QStringLiteral("replication")).toInt(&replicationOk);
    if (!partitionsOk || spec.partitions < 1 || !replicationOk || spec.replicationFactor < 1)
        return usage("topics", kTopicsUsage,
                     QStringLiteral("--partitions and --replication take a number of 1 or more"));
    for (const QString &config : parser.values(QStringLiteral("config"))) {
        const qsizetype equals = config.indexOf(QLatin1Char('='));
        if (equals <= 0)
            return usage("topics", kTopicsUsage,
                         QStringLiteral("--config takes KEY=VALUE, not \"%1\"").arg(config));
        spec.configs[config.left(equals)] = config.mid(equals + 1);
    }

    Result<ClusterEndpoint> endpoint =
        commandEndpoint(invocation.workspace, parser.value(QStringLiteral("bootstrap")),
                        parser.value(QStringLiteral("profile")));
    if (!endpoint)
        return failure("topics", endpoint.errorMessage());
    Result<std::unique_ptr<ClusterClient>> client = ClusterClient::create(endpoint.value());
    if (!client)
        return failure("topics", client.errorMessage());

    if (action == QLatin1String("list"))
        return listTopics(*client.value(), parser.isSet(QStringLiteral("all")), json);
    if (action == QLatin1String("describe"))
        return describeTopic(*client.value(), spec.name, parser.value(QStringLiteral("group")),
                             json);
    if (action == QLatin1String("create")) {
        if (Result<void> created = client.value()->createTopic(spec); !created)
            return failure("topics", created.errorMessage());
        QTextStream(stdout) << "created topic " << spec.name << " with " << spec.partitions
                            << " partitions\n";
        return ExitOk;
    }
    if (Result<void> deleted = client.value()->deleteTopic(spec.name); !deleted)
        return failure("topics", deleted.errorMessage());
    QTextStream(stdout) << "deleted topic " << spec.name << "\n";
    return ExitOk;
}

int runProduceCommand(const Invocation &invocation)
{
    QCommandLineParser parser;
    addClusterOptions(parser);
    parser.addOption({QStringLiteral("file"), QString(), QStringLiteral("file")});
    parser.addOption({QStringLiteral("key"), QString(), QStringLiteral("key")});
    parser.addOption({QStringLiteral("partition"), QString(), QStringLiteral("n")});
    parser.addOption({QStringLiteral("header"), QString(), QStringLiteral("name=value")});
    if (!parser.parse(QStringList{QStringLiteral("millrace-produce")} + invocation.command.mid(1)))
        return usage("produce", kProduceUsage, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usage("produce", kProduceUsage, QStringLiteral("which topic?"));
    const QString topic = positional.first();
    const QStringList values = positional.mid(1);
    if (!values.isEmpty() && parser.isSet(QStringLiteral("file")))
        return usage("produce", kProduceUsage,
                     QStringLiteral("give messages as arguments or with --file, not both"));

    OutgoingMessage message;
    if (parser.isSet(QStringLiteral("key")))
        message.key = parser.value(QStringLiteral("key")).toUtf8();
    if (parser.isSet(QStringLiteral("partition"))) {
        bool ok = false;
        message.partition = parser.value(QStringLiteral("partition")).toInt(&ok);
        if (!ok || message.partition < 0)
            return usage("produce", kProduceUsage,
                         QStringLiteral("--partition takes a partition number"));
    }
    for (const QString &header : parser.values(QStringLiteral("header"))) {
        const qsizetype equals = header.indexOf(QLatin1Char('='));
        if (equals <= 0)
            return usage("produce", kProduceUsage,
                         QStringLiteral("--header takes NAME=VALUE, not \"%1\"").arg(header));
        message.headers.emplace_back(header.left(equals).toUtf8(), header.mid(equals + 1).toUtf8());
    }

    QFile input;
    if (values.isEmpty()) {
        const QString file = parser.value(QStringLiteral("file"));
        const bool fromStdin = file.isEmpty() || file == QLatin1String("-");
        const bool opened = fromStdin ? input.open(stdin, QIODevice::ReadOnly)
                                      : (input.setFileName(file), input.open(QIODevice::ReadOnly));
        if (!opened)
            return failure("produce",
                           QStringLiteral("cannot read %1: %2").arg(file, input.errorString()));
    }

    Result<ClusterEndpoint> endpoint =
        commandEndpoint(invocation.workspace, parser.value(QStringLiteral("bootstrap")),
                        parser.value(QStringLiteral("profile")));
    if (!endpoint)
        return failure("produce", endpoint.errorMessage());
    Result<std::unique_ptr<MessageProducer>> producer = MessageProducer::create(endpoint.value());
    if (!producer)
        return failure("produce", producer.errorMessage());

    auto send = [&](const QByteArray &value) -> Result<void> {
        message.value = value;
        return producer.value()->send(topic, message);
    };
    std::int64_t queued = 0;
    if (!values.isEmpty()) {
        for (const QString &value : values) {
            if (Result<void> sent = send(value.toUtf8()); !sent)
                return failure("produce", sent.errorMessage());
            ++queued;
        }
    } else {
        while (!input.atEnd()) {
            QByteArray line = input.readLine();
            if (line.endsWith('\n'))
                line.chop(1);
            if (line.endsWith('\r'))
                line.chop(1);
            if (line.isEmpty())
                continue;
            if (Result<void> sent = send(line); !sent)
                return failure("produce", sent.errorMessage());
            ++queued;
        }
    }
    Result<ProduceSummary> summary = producer.value()->flush();
    if (!summary)
        return failure("produce", summary.errorMessage());
    if (parser.isSet(QStringLiteral("json"))) {
        QTextStream(stdout)
            << QJsonDocument(QJsonObject{{QStringLiteral("topic"), topic},
                                         {QStringLiteral("delivered"), qint64(summary->delivered)},
                                         {QStringLiteral("failed"), qint64(summary->failed)}})
                   .toJson(QJsonDocument::Compact)
            << "\n";
    } else {
        QTextStream(stdout) << "delivered " << summary->delivered << " of " << queued
                            << " messages to " << topic << "\n";
    }
    if (summary->failed > 0)
        return failure(
            "produce",
            QStringLiteral("%1 messages failed: %2").arg(summary->failed).arg(summary->firstError));
    return ExitOk;
}

namespace {

QJsonObject drainReportJson(const DrainReport &report)
{
    QJsonArray partitions;
    for (const PartitionRange &range : report.partitions) {
        partitions.append(QJsonObject{{QStringLiteral("partition"), range.offsets.partition},
                                      {QStringLiteral("first"), qint64(range.offsets.firstOffset)},
                                      {QStringLiteral("last"), qint64(range.offsets.lastOffset)},
                                      {QStringLiteral("messages"), qint64(range.messageCount())}});
    }
    return QJsonObject{{QStringLiteral("batch"), report.batchId},
                       {QStringLiteral("samples"), qint64(report.samples)},
                       {QStringLiteral("dead_letters"), qint64(report.deadLetters)},
                       {QStringLiteral("duplicates"), qint64(report.duplicates)},
                       {QStringLiteral("messages_read"), qint64(report.messagesRead)},
                       {QStringLiteral("offsets_committed"), report.offsetsCommitted},
                       {QStringLiteral("messages_per_second"), report.messagesPerSecond},
                       {QStringLiteral("partitions"), partitions},
                       {QStringLiteral("warnings"), QJsonArray::fromStringList(report.warnings)}};
}

} // namespace

int runDrainCommand(const Invocation &invocation)
{
    QCommandLineParser parser;
    addClusterOptions(parser);
    parser.addOption({QStringLiteral("group"), QString(), QStringLiteral("group"),
                      QStringLiteral("millrace-drain")});
    parser.addOption({QStringLiteral("max"), QString(), QStringLiteral("n"), QStringLiteral("0")});
    parser.addOption({QStringLiteral("layout"), QString(), QStringLiteral("file")});
    parser.addOption(
        {QStringLiteral("codec"), QString(), QStringLiteral("id"), QStringLiteral("json-codec")});
    parser.addOption({QStringLiteral("dead-letter-topic"), QString(), QStringLiteral("topic")});
    if (!parser.parse(QStringList{QStringLiteral("millrace-drain")} + invocation.command.mid(1)))
        return usage("drain", kDrainUsage, parser.errorText());
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usage("drain", kDrainUsage, QStringLiteral("drain takes one topic"));
    bool maxOk = false;
    const qint64 maxMessages = parser.value(QStringLiteral("max")).toLongLong(&maxOk);
    if (!maxOk || maxMessages < 0)
        return usage("drain", kDrainUsage, QStringLiteral("--max takes a number (0: all)"));

    DrainRequest request;
    request.topic = positional.first();
    request.groupId = parser.value(QStringLiteral("group"));
    request.maxMessages = maxMessages;
    request.deadLetterTopic = parser.value(QStringLiteral("dead-letter-topic"));
    request.layout = RecordLayout::fashionMnist();
    if (parser.isSet(QStringLiteral("layout"))) {
        QFile file(parser.value(QStringLiteral("layout")));
        if (!file.open(QIODevice::ReadOnly))
            return failure(
                "drain",
                QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString()));
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
        if (error.error != QJsonParseError::NoError || !document.isObject())
            return failure("drain", QStringLiteral("%1 is not a JSON object: %2")
                                        .arg(file.fileName(), error.errorString()));
        Result<RecordLayout> layout = RecordLayout::fromJson(document.object());
        if (!layout)
            return failure("drain",
                           QStringLiteral("%1: %2").arg(file.fileName(), layout.errorMessage()));
        request.layout = layout.value();
    }

    PluginManager plugins;
    plugins.load(PluginManager::defaultSearchPaths());
    const QString codecId = parser.value(QStringLiteral("codec"));
    request.codec = plugins.find<plugins::MessageCodec>(codecId);
    if (!request.codec)
        return failure("drain", QStringLiteral("no message codec plugin '%1'").arg(codecId));

    Result<ClusterEndpoint> endpoint =
        commandEndpoint(invocation.workspace, parser.value(QStringLiteral("bootstrap")),
                        parser.value(QStringLiteral("profile")));
    if (!endpoint)
        return failure("drain", endpoint.errorMessage());
    request.endpoint = endpoint.value();

    BatchStore store = BatchStore::forWorkspace(invocation.workspace);
    if (Result<void> opened = store.open(); !opened)
        return failure("drain", opened.errorMessage());

    // The drain blocks; it runs on a pool thread so Ctrl-C (on this thread's event loop) can
    // cancel it, and what was read is still written and committed.
    CancellationSource cancel;
    UnixSignalWatcher signals;
    QObject::connect(&signals, &UnixSignalWatcher::terminationRequested, qApp, [&](int) {
        QTextStream(stderr) << "millrace drain: interrupted, keeping what was read\n";
        cancel.cancel();
    });
    QElapsedTimer sinceProgress;
    sinceProgress.start();
    auto progress = [&sinceProgress](const DrainProgress &now) {
        if (sinceProgress.elapsed() < 1000)
            return;
        sinceProgress.restart();
        QTextStream(stderr) << QStringLiteral("read %1 messages (%2 samples, %3 dead letters, %4 "
                                              "duplicates)%5\n")
                                   .arg(now.messagesRead)
                                   .arg(now.samples)
                                   .arg(now.deadLetters)
                                   .arg(now.duplicates)
                                   .arg(now.remaining >= 0
                                            ? QStringLiteral(", %1 to go").arg(now.remaining)
                                            : QString());
    };
    QFutureWatcher<Result<DrainReport>> watcher;
    QObject::connect(&watcher, &QFutureWatcher<Result<DrainReport>>::finished, qApp,
                     &QCoreApplication::quit);
    watcher.setFuture(
        QtConcurrent::run([&] { return drainToBatch(request, store, cancel.token(), progress); }));
    QCoreApplication::exec();
    const Result<DrainReport> report = watcher.result();
    if (!report)
        return failure("drain", report.errorMessage());
    for (const QString &warning : report->warnings)
        QTextStream(stderr) << "millrace drain: warning: " << warning << "\n";
    QTextStream out(stdout);
    if (parser.isSet(QStringLiteral("json"))) {
        out << QJsonDocument(drainReportJson(report.value())).toJson(QJsonDocument::Indented);
    } else if (report->batchId.isEmpty()) {
        out << "nothing new on " << request.topic << " for group " << request.groupId
            << (report->duplicates > 0
                    ? QStringLiteral(" (%1 already in batches)").arg(report->duplicates)
                    : QString())
            << "\n";
    } else {
        out << "batch " << report->batchId << ": " << report->samples << " samples, "
            << report->deadLetters << " dead letters, " << report->duplicates
            << " duplicates skipped\n";
    }
    if (!report->offsetsCommitted && !report->batchId.isEmpty())
        return failure("drain", QStringLiteral("the batch is safe, but the offsets were not "
                                               "committed: %1")
                                    .arg(report->commitError));
    return ExitOk;
}
