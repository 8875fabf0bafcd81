#include "app/traincommand.h"

#include "app/commandline.h"
#include "app/unixsignals.h"
#include "core/plugins/pluginmanager.h"
#include "core/training/trainingservice.h"
#include "core/workspace/session.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QTextStream>

#include <cmath>

using namespace millrace;
using namespace millrace::training;

namespace {

constexpr char kUsage[] = "usage: millrace [--workspace DIR] train --config FILE\n"
                          "FILE is a JSON training request; see README, \"Training\".\n";

int usage(const QString &problem)
{
    QTextStream(stderr) << "millrace train: " << problem << "\n" << kUsage;
    return ExitUsage;
}

int failure(const QString &message)
{
    QTextStream(stderr) << "millrace train: " << message << "\n";
    return ExitFailure;
}

QString figure(double value)
{
    return std::isnan(value) ? QStringLiteral("-") : QString::number(value, 'f', 4);
}

Result<TrainingRequest> readRequest(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("%1: %2").arg(path, file.errorString()));
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
    if (error.error != QJsonParseError::NoError)
        return fail(QStringLiteral("%1: not valid JSON at offset %2: %3")
                        .arg(path)
                        .arg(error.offset)
                        .arg(error.errorString()));
    if (!document.isObject())
        return fail(QStringLiteral("%1: the request must be a JSON object").arg(path));
    auto request = requestFromJson(document.object());
    if (!request)
        return fail(QStringLiteral("%1: %2").arg(path, request.errorMessage()));
    return request;
}

} // namespace

const char *trainUsage()
{
    return kUsage;
}

int runTrainCommand(const Invocation &invocation)
{
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("config"), QStringLiteral("The training request."),
                      QStringLiteral("FILE")});
    if (!parser.parse(invocation.command))
        return usage(parser.errorText());
    if (!parser.positionalArguments().value(0).isEmpty() && parser.positionalArguments().size() > 1)
        return usage(
            QStringLiteral("unexpected argument %1").arg(parser.positionalArguments().value(1)));
    if (!parser.isSet(QStringLiteral("config")))
        return usage(QStringLiteral("--config FILE is required"));
    auto request = readRequest(parser.value(QStringLiteral("config")));
    if (!request)
        return failure(request.errorMessage());

    SessionOptions options;
    options.pluginDirs = PluginManager::defaultSearchPaths();
    options.trackingServer = false;
    auto session = Session::open(invocation.workspace, options);
    if (!session)
        return failure(session.errorMessage());
    (*session)->startServices();
    TrainingService &service = *(*session)->training();

    QTextStream out(stdout);
    int exitCode = ExitFailure;
    QString jobId;
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested, &service, [&](int) {
        QTextStream(stderr) << "millrace train: interrupted, stopping at the "
                               "next batch\n";
        service.cancel(jobId);
    });
    QElapsedTimer sinceProgress;
    QObject::connect(&service, &TrainingService::runCreated, qApp,
                     [&](const QString &, const QString &runId, int trial) {
                         out << (trial > 0
                                     ? QStringLiteral("trial %1: run %2\n").arg(trial).arg(runId)
                                     : QStringLiteral("run %1\n").arg(runId));
                         out.flush();
                     });
    QObject::connect(
        &service, &TrainingService::progressed, qApp,
        [&](const QString &, const TrainingProgress &progress) {
            if (sinceProgress.isValid() && sinceProgress.elapsed() < 2000)
                return;
            sinceProgress.start();
            out << QStringLiteral("%1% epoch %2/%3 batch %4/%5 loss %6%7\n")
                       .arg(qRound(progress.fraction * 100))
                       .arg(progress.epoch)
                       .arg(progress.epochs)
                       .arg(progress.batch)
                       .arg(progress.batches)
                       .arg(figure(progress.loss))
                       .arg(progress.etaSeconds >= 0
                                ? QStringLiteral(", %1 s left").arg(qRound(progress.etaSeconds))
                                : QString());
            out.flush();
        });
    QObject::connect(
        &service, &TrainingService::epochFinished, qApp,
        [&](const QString &, const QString &, int trial, const ml::EpochMetrics &epoch) {
            out << (trial > 0 ? QStringLiteral("trial %1 ").arg(trial) : QString())
                << QStringLiteral("epoch %1: train loss %2, accuracy %3; "
                                  "validation loss %4, accuracy %5; %6 samples/s\n")
                       .arg(epoch.epoch)
                       .arg(figure(epoch.trainLoss), figure(epoch.trainAccuracy),
                            figure(epoch.validationLoss), figure(epoch.validationAccuracy))
                       .arg(qRound(epoch.samplesPerSecond));
            out.flush();
        });
    QObject::connect(
        &service, &TrainingService::jobFinished, qApp,
        [&](const QString &, const TrainingJobResult &result) {
            switch (result.status) {
            case TrainingJobResult::Status::Finished:
                out << QStringLiteral("finished: run %1, test accuracy %2, test "
                                      "loss %3%4\n")
                           .arg(result.runId, figure(result.testAccuracy), figure(result.testLoss),
                                result.bestTrialRunId.isEmpty()
                                    ? QString()
                                    : QStringLiteral(", best trial %1").arg(result.bestTrialRunId));
                exitCode = ExitOk;
                break;
            case TrainingJobResult::Status::Failed:
                QTextStream(stderr) << "millrace train: run " << result.runId
                                    << " failed: " << result.message << "\n";
                break;
            case TrainingJobResult::Status::Cancelled:
                QTextStream(stderr) << "millrace train: run " << result.runId << " was stopped\n";
                break;
            }
            out.flush();
            QCoreApplication::quit();
        });
    QObject::connect(&service, &TrainingService::jobFailed, qApp,
                     [&](const QString &, const QString &message) {
                         QTextStream(stderr) << "millrace train: " << message << "\n";
                         QCoreApplication::quit();
                     });
    jobId = service.submit(*request);
    QCoreApplication::exec();
    session->reset();
    return exitCode;
}
