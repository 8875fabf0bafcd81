#include "app/servecommand.h"

#include "app/applog.h"
#include "app/commandline.h"
#include "app/openregistry.h"
#include "app/schedulerrequests.h"
#include "app/streamscommand.h"
#include "app/unixsignals.h"
#include "core/base/servicethread.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registrystore.h"
#include "core/serving/kafkapredictor.h"
#include "core/serving/scoringserver.h"
#include "core/serving/servingmetrics.h"
#include "core/serving/servingservice.h"
#include "core/store/store.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/secretstore.h"
#include "core/workspace/workspace.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostAddress>
#include <QTextStream>
#include <QThread>

#include <cstdio>

using namespace millrace;
using namespace millrace::serving;

namespace {

constexpr char kUsage[] =
    "usage: millrace [--workspace DIR] serve --model NAME [--stage STAGE | --alias ALIAS |\n"
    "                                  --version N] [--host ADDRESS] [--port N] [--workers N]\n"
    "                                  [--candidate STAGE|@ALIAS|N --candidate-weight W]\n"
    "                                  [--max-batch ROWS [--max-batch-wait-ms MS]]\n"
    "                                  [--allow-unauthenticated]\n"
    "                                  [--predict [--request-topic TOPIC]\n"
    "                                   [--predictions-topic TOPIC] [--retrain-every N]\n"
    "                                   [--retrain-dag DAG] [--bootstrap HOST:PORT[,...] |\n"
    "                                   --profile NAME]]\n"
    "       millrace serve token set|delete|status\n"
    "Serves the model's version in STAGE (default Production), or the one ALIAS names, or\n"
    "version N, on http://ADDRESS:N/invocations (default 127.0.0.1:5001; port 0 picks one),\n"
    "and moves to the new version without stopping when the stage or alias moves. A candidate\n"
    "answers the share W (0 to 1) of the requests, for an A/B test. `token set` stores a bearer\n"
    "token read from standard input in the keychain; while one is stored, every request but\n"
    "/ping and /health must carry it. Serving on an address other than loopback needs a token,\n"
    "or --allow-unauthenticated. Requests that queue while the workers are busy are scored\n"
    "together, one pass per version; --max-batch also makes a pass wait up to MS (default 2)\n"
    "for requests to join it, up to ROWS rows (off by default).\n"
    "--predict also answers a Kafka topic with the same model versions (seed 002): it reads\n"
    "JSON samples from TOPIC (default fashion-stream) as consumer group millrace-predictor,\n"
    "starting at the end of the topic the first time, and publishes one prediction record per\n"
    "request to the predictions topic (default fashion-predictions), keyed like the request.\n"
    "Every N labelled requests (default 500; 0: never) it asks the scheduler of the app running\n"
    "on the workspace for one run of DAG (default update_model), as `millrace dags trigger`\n"
    "does. The cluster is --bootstrap (plaintext) or --profile NAME; without either, the\n"
    "workspace's active profile, or the embedded broker of the app running on the workspace.\n";

int usage(const QString &problem)
{
    QTextStream(stderr) << "millrace serve: " << problem << "\n" << kUsage;
    return ExitUsage;
}

int failure(const QString &message)
{
    QTextStream(stderr) << "millrace serve: " << message << "\n";
    return ExitFailure;
}

int tokenCommand(const QString &action)
{
    if (action == QLatin1String("set")) {
        QTextStream in(stdin);
        const QString token = in.readLine().trimmed();
        if (token.size() < 16)
            return failure(QStringLiteral("give a token of at least 16 characters on standard "
                                          "input (e.g. openssl rand -hex 32 | millrace serve "
                                          "token set)"));
        if (Result<void> written = writeSecret(serving::servingTokenKey(), token); !written)
            return failure(written.errorMessage());
        QTextStream(stdout) << "serving token stored in the keychain; requests must now carry "
                               "\"Authorization: Bearer <token>\"\n";
        return ExitOk;
    }
    if (action == QLatin1String("delete")) {
        if (Result<void> deleted = deleteSecret(serving::servingTokenKey()); !deleted)
            return failure(deleted.errorMessage());
        QTextStream(stdout) << "serving token removed: requests need no token\n";
        return ExitOk;
    }
    if (action == QLatin1String("status")) {
        Result<QString> token = readSecret(serving::servingTokenKey());
        if (!token && token.error().code != secreterror::kNotFound)
            return failure(token.errorMessage());
        QTextStream(stdout) << (token ? "a serving token is set\n" : "no serving token is set\n");
        return ExitOk;
    }
    return usage(QStringLiteral("token takes set, delete or status"));
}

// The token in the keychain, none when nothing is stored or there is no keychain at all.
Result<QString> storedToken()
{
    Result<QString> token = readSecret(serving::servingTokenKey());
    if (token)
        return token;
    if (token.error().code == secreterror::kNotFound)
        return QString();
    if (token.error().code == secreterror::kNoKeychain) {
        qCInfo(lcApp).noquote() << "no keychain, so no serving token:" << token.errorMessage();
        return QString();
    }
    return token.error(); // locked or refused: a token may exist, so do not serve without it
}

// A target from STAGE, @ALIAS or a version number.
ServingTarget targetFrom(const QString &model, const QString &text)
{
    ServingTarget target;
    target.model = model;
    bool isNumber = false;
    const qint64 version = text.toLongLong(&isNumber);
    if (text.startsWith(QLatin1Char('@')))
        target.alias = text.mid(1);
    else if (isNumber)
        target.version = version;
    else
        target.stage = text;
    return target;
}

// The predictor's settings from --predict's options; errors with code USAGE are the user's.
Result<PredictorConfig> predictorConfig(const QCommandLineParser &parser, const QString &workspace)
{
    const auto usageError = [](const QString &message) {
        return fail(QStringLiteral("USAGE"), message);
    };
    PredictorConfig config;
    if (parser.isSet(QStringLiteral("request-topic")))
        config.requestTopic = parser.value(QStringLiteral("request-topic"));
    if (parser.isSet(QStringLiteral("predictions-topic")))
        config.predictionsTopic = parser.value(QStringLiteral("predictions-topic"));
    if (config.requestTopic.isEmpty() || config.predictionsTopic.isEmpty())
        return usageError(QStringLiteral("--request-topic and --predictions-topic take a topic"));
    if (config.requestTopic == config.predictionsTopic)
        return usageError(QStringLiteral("the predictions topic must differ from the request "
                                         "topic"));
    if (parser.isSet(QStringLiteral("retrain-every"))) {
        bool ok = false;
        config.retrainEvery = parser.value(QStringLiteral("retrain-every")).toLongLong(&ok);
        if (!ok || config.retrainEvery < 0)
            return usageError(QStringLiteral("--retrain-every takes a number of labelled "
                                             "requests (0: never retrain)"));
    }
    if (parser.isSet(QStringLiteral("retrain-dag"))) {
        config.retrainDag = parser.value(QStringLiteral("retrain-dag"));
        if (config.retrainDag.isEmpty())
            return usageError(QStringLiteral("--retrain-dag takes a DAG id"));
    }
    if (parser.isSet(QStringLiteral("bootstrap")) && parser.isSet(QStringLiteral("profile")))
        return usageError(QStringLiteral("give --bootstrap or --profile, not both"));
    Result<streams::ClusterEndpoint> endpoint =
        commandEndpoint(workspace, parser.value(QStringLiteral("bootstrap")),
                        parser.value(QStringLiteral("profile")));
    if (!endpoint)
        return fail(QStringLiteral("--predict: %1").arg(endpoint.errorMessage()));
    config.endpoint = std::move(endpoint).value();
    return config;
}

} // namespace

const char *serveUsage()
{
    return kUsage;
}

int runServeCommand(const Invocation &invocation)
{
    const QStringList args = invocation.command;
    if (args.value(1) == QLatin1String("token"))
        return args.size() == 3 ? tokenCommand(args.at(2))
                                : usage(QStringLiteral("token takes "
                                                       "one action"));
    QCommandLineParser parser;
    for (const char *name :
         {"model", "stage", "alias", "version", "host", "port", "workers", "candidate",
          "candidate-weight", "max-batch", "max-batch-wait-ms", "request-topic",
          "predictions-topic", "retrain-every", "retrain-dag", "bootstrap", "profile"})
        parser.addOption({QLatin1String(name), QString(), QStringLiteral("value")});
    parser.addOption({QStringLiteral("allow-unauthenticated"), QString()});
    parser.addOption({QStringLiteral("predict"), QString()});
    if (!parser.parse(QStringList{QStringLiteral("millrace-serve")} + args.mid(1)))
        return usage(parser.errorText());
    if (!parser.positionalArguments().isEmpty())
        return usage(
            QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().first()));

    ServingConfig config;
    const QString model = parser.value(QStringLiteral("model"));
    if (model.isEmpty())
        return usage(QStringLiteral("--model NAME is required"));
    const int chosen = int(parser.isSet(QStringLiteral("stage")))
                       + int(parser.isSet(QStringLiteral("alias")))
                       + int(parser.isSet(QStringLiteral("version")));
    if (chosen > 1)
        return usage(QStringLiteral("give one of --stage, --alias and --version"));
    config.primary.model = model;
    if (parser.isSet(QStringLiteral("alias")))
        config.primary.alias = parser.value(QStringLiteral("alias"));
    if (parser.isSet(QStringLiteral("stage")))
        config.primary.stage = parser.value(QStringLiteral("stage"));
    if (parser.isSet(QStringLiteral("version"))) {
        bool ok = false;
        config.primary.version = parser.value(QStringLiteral("version")).toLongLong(&ok);
        if (!ok || config.primary.version <= 0)
            return usage(QStringLiteral("--version takes a version number"));
    }
    if (parser.isSet(QStringLiteral("candidate"))) {
        bool ok = false;
        const double weight = parser.value(QStringLiteral("candidate-weight")).toDouble(&ok);
        if (!ok || weight < 0 || weight > 1)
            return usage(QStringLiteral("--candidate needs --candidate-weight between 0 and 1"));
        config.candidate = targetFrom(model, parser.value(QStringLiteral("candidate")));
        config.candidateWeight = weight;
    }
    if (parser.isSet(QStringLiteral("host"))) {
        config.server.address = QHostAddress(parser.value(QStringLiteral("host")));
        if (config.server.address.isNull())
            return usage(QStringLiteral("--host takes an IP address, not \"%1\"")
                             .arg(parser.value(QStringLiteral("host"))));
    }
    if (parser.isSet(QStringLiteral("port"))) {
        bool ok = false;
        const uint port = parser.value(QStringLiteral("port")).toUInt(&ok);
        if (!ok || port > 65535)
            return usage(QStringLiteral("--port takes a port number (0-65535)"));
        config.server.port = quint16(port);
    }
    config.server.workers = std::max(1, QThread::idealThreadCount());
    if (parser.isSet(QStringLiteral("workers"))) {
        bool ok = false;
        config.server.workers = parser.value(QStringLiteral("workers")).toInt(&ok);
        if (!ok || config.server.workers < 1 || config.server.workers > 64)
            return usage(QStringLiteral("--workers takes 1 to 64"));
    }
    if (parser.isSet(QStringLiteral("max-batch"))) {
        bool ok = false;
        config.server.maxBatchRows = parser.value(QStringLiteral("max-batch")).toLongLong(&ok);
        if (!ok || config.server.maxBatchRows < 1 || config.server.maxBatchRows > 4096)
            return usage(QStringLiteral("--max-batch takes 1 to 4096 rows"));
    }
    if (parser.isSet(QStringLiteral("max-batch-wait-ms"))) {
        bool ok = false;
        const double wait = parser.value(QStringLiteral("max-batch-wait-ms")).toDouble(&ok);
        if (!ok || wait < 0 || wait > 1000)
            return usage(QStringLiteral("--max-batch-wait-ms takes 0 to 1000"));
        config.server.maxBatchWait = std::chrono::microseconds(qint64(wait * 1000));
    }
    config.server.allowUnauthenticatedRemote =
        parser.isSet(QStringLiteral("allow-unauthenticated"));
    std::optional<PredictorConfig> predictor;
    if (parser.isSet(QStringLiteral("predict"))) {
        Result<PredictorConfig> read = predictorConfig(parser, invocation.workspace);
        if (!read)
            return read.error().code == QLatin1String("USAGE") ? usage(read.errorMessage())
                                                               : failure(read.errorMessage());
        predictor = std::move(read).value();
    } else {
        for (const char *name : {"request-topic", "predictions-topic", "retrain-every",
                                 "retrain-dag", "bootstrap", "profile"}) {
            if (parser.isSet(QLatin1String(name)))
                return usage(QStringLiteral("--%1 goes with --predict").arg(QLatin1String(name)));
        }
    }

    Result<QString> token = storedToken();
    if (!token)
        return failure(QStringLiteral("cannot read the serving token from the keychain: %1")
                           .arg(token.errorMessage()));
    config.server.token = *token;

    auto open = openRegistry(invocation.workspace, false);
    if (!open)
        return failure(open.errorMessage());
    // The predictor asks for retrains as `millrace dags trigger` does while the app runs: a
    // row in scheduler_requests, which the app's scheduler applies.
    std::unique_ptr<Store> requests;
    if (predictor && predictor->retrainEvery > 0) {
        auto opened = openForSchedulerRequests(invocation.workspace);
        if (!opened)
            return failure(
                QStringLiteral("cannot ask for retrains: %1").arg(opened.errorMessage()));
        requests = std::move(opened).value();
        if (Workspace::inspect(invocation.workspace).holder.isEmpty())
            QTextStream(stderr) << "millrace serve: no app runs on " << invocation.workspace
                                << " now; the retrains asked for run once one does\n";
    }
    PluginManager plugins;
    plugins.load(PluginManager::defaultSearchPaths());

    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, qApp,
                     [](int signalNumber) {
                         qCInfo(lcApp) << "signal" << signalNumber << "received, shutting down";
                         QCoreApplication::quit();
                     });
    auto *service =
        new ServingService(*open->registry, training::pluginArchitectures(plugins), config);
    int exitCode = ExitOk;
    QObject::connect(service, &Service::failed, qApp, [&exitCode](const QString &message) {
        QTextStream(stderr) << "millrace serve: " << message << "\n";
        exitCode = ExitFailure;
        QCoreApplication::quit();
    });
    QObject::connect(service, &ServingService::listening, qApp, [config](quint16 port) {
        QTextStream(stdout) << "serving " << config.primary.describe() << " on http://"
                            << config.server.address.toString() << ":" << port
                            << "/invocations (metrics at /metrics; stop with Ctrl-C)" << Qt::endl;
    });
    QObject::connect(service, &ServingService::deployed, qApp,
                     [](qint64 primary, qint64 candidate, double weight) {
                         QTextStream out(stdout);
                         out << "now answering with version " << primary;
                         if (candidate > 0)
                             out << " and version " << candidate << " on " << weight * 100
                                 << "% of requests";
                         out << Qt::endl;
                     });
    ServiceThread thread(service, QStringLiteral("serving"));
    std::unique_ptr<ServiceThread> predictorThread;
    if (predictor) {
        Store *requestStore = requests.get();
        RetrainRequester requestRetrain = [requestStore](const QString &dagId,
                                                         const QJsonObject &conf) {
            QueuedSchedulerRequest queued =
                queueSchedulerRequest(*requestStore, {QStringLiteral("trigger"), dagId,
                                                      QJsonObject{{QStringLiteral("conf"), conf}}});
            queued.written.then([dagId, id = queued.id](const Result<void> &written) {
                if (written)
                    QTextStream(stdout) << "asked the app's scheduler to trigger " << dagId
                                        << " (request " << *id << ")" << Qt::endl;
                else
                    QTextStream(stderr) << "millrace serve: cannot ask for a run of " << dagId
                                        << ": " << written.errorMessage() << Qt::endl;
            });
        };
        auto *kafkaPredictor =
            new KafkaPredictor(service->router(), *predictor, std::move(requestRetrain));
        // Its counters at /metrics, beside the scoring server's.
        service->metrics()->setSource(kPredictorMetricsSource, [stats = kafkaPredictor->stats()] {
            return stats->prometheusText();
        });
        QObject::connect(
            kafkaPredictor, &Service::failed, qApp, [&exitCode](const QString &message) {
                QTextStream(stderr) << "millrace serve: predictor: " << message << "\n";
                exitCode = ExitFailure;
                QCoreApplication::quit();
            });
        QObject::connect(
            kafkaPredictor, &KafkaPredictor::assigned, qApp, [config = *predictor](int partitions) {
                QTextStream(stdout) << "predicting: reading " << partitions << " partition(s) of "
                                    << config.requestTopic << " on " << config.endpoint.label
                                    << ", answering on " << config.predictionsTopic << Qt::endl;
            });
        QObject::connect(kafkaPredictor, &KafkaPredictor::retrainRequested, qApp,
                         [](const QString &dagId, qint64 count) {
                             QTextStream(stdout) << "retrain " << count << ": asking for a run of "
                                                 << dagId << Qt::endl;
                         });
        predictorThread =
            std::make_unique<ServiceThread>(kafkaPredictor, QStringLiteral("predictor"));
    }
    thread.start();
    if (predictorThread)
        predictorThread->start();
    const int code = QCoreApplication::exec();
    if (predictorThread)
        predictorThread->stop();
    thread.stop();
    return exitCode != ExitOk ? exitCode : code;
}
