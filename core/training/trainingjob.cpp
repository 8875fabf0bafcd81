#include "core/training/trainingjob.h"

#include "core/base/loginname.h"
#include "core/ml/evaluation.h"
#include "core/ml/hyperparametersearch.h"
#include "core/tracking/trackingstore.h"
#include "core/training/confusionsvg.h"
#include "core/training/trainingdata.h"
#include "core/training/traininglog.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFutureSynchronizer>
#include <QSaveFile>
#include <QThread>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>
#include <mutex>

namespace millrace::training {

namespace {

using tracking::MetricPoint;
using tracking::RunStatus;
using StringPairs = QList<QPair<QString, QString>>;

const QString kErrorTag = QStringLiteral("millrace.error");
const QString kBestTrialTag = QStringLiteral("millrace.best_trial");

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// Shares progress between the trials of a job, which may run on several threads.
class ProgressBoard
{
public:
    ProgressBoard(TrainingJobObserver *observer, int trials)
        : m_observer(observer), m_fractions(std::max(1, trials), 0.0)
    {
        m_clock.start();
    }

    void report(TrainingProgress progress, double trialFraction)
    {
        if (!m_observer)
            return;
        std::lock_guard lock(m_mutex);
        m_fractions[std::max(0, progress.trial - 1)] = trialFraction;
        double sum = 0;
        for (double fraction : m_fractions)
            sum += fraction;
        progress.fraction = sum / double(m_fractions.size());
        const double elapsed = m_clock.elapsed() / 1000.0;
        progress.etaSeconds =
            progress.fraction > 0.01 ? elapsed / progress.fraction * (1 - progress.fraction) : -1;
        m_observer->progress(progress);
    }

    TrainingJobObserver *observer() const { return m_observer; }

private:
    TrainingJobObserver *m_observer;
    std::mutex m_mutex;
    std::vector<double> m_fractions;
    QElapsedTimer m_clock;
};

// Logs each epoch and reports progress; stops training when the job is cancelled.
class RunObserver : public ml::TrainingObserver
{
public:
    RunObserver(tracking::TrackingStore &tracking, QString runId, int trial, int trials,
                const CancellationToken &cancellation, ProgressBoard &board)
        : m_tracking(tracking), m_runId(std::move(runId)), m_trial(trial), m_trials(trials),
          m_cancellation(cancellation), m_board(board)
    {
    }

    void onBatch(const ml::BatchProgress &batch) override
    {
        // Progress at most about ten times a second is plenty for a bar.
        if (m_lastReport.isValid() && m_lastReport.elapsed() < 100 && batch.batch != batch.batches)
            return;
        m_lastReport.start();
        TrainingProgress progress;
        progress.runId = m_runId;
        progress.trial = m_trial;
        progress.trials = m_trials;
        progress.epoch = batch.epoch;
        progress.epochs = batch.epochs;
        progress.batch = qsizetype(batch.batch);
        progress.batches = qsizetype(batch.batches);
        progress.loss = batch.loss;
        const double fraction = (batch.epoch - 1 + double(batch.batch) / double(batch.batches))
                                / double(std::max(1, batch.epochs));
        m_board.report(progress, fraction);
    }

    void onEpoch(const ml::EpochMetrics &epoch) override
    {
        const qint64 now = nowMs();
        QList<MetricPoint> points;
        auto add = [&](const QString &key, double value) {
            if (!std::isnan(value))
                points.append({key, value, now, epoch.epoch});
        };
        add(QStringLiteral("train_loss"), epoch.trainLoss);
        add(QStringLiteral("train_accuracy"), epoch.trainAccuracy);
        add(QStringLiteral("val_loss"), epoch.validationLoss);
        add(QStringLiteral("val_accuracy"), epoch.validationAccuracy);
        add(QStringLiteral("learning_rate"), epoch.learningRate);
        add(QStringLiteral("epoch_seconds"), epoch.seconds);
        add(QStringLiteral("samples_per_second"), epoch.samplesPerSecond);
        // Queued: training goes on while the batch commits; the run's end waits for it.
        m_pending.append(m_tracking.logBatchAsync(m_runId, points, {}, {}));
        if (m_board.observer())
            m_board.observer()->epochFinished(m_runId, m_trial, epoch);
    }

    bool stopRequested() const override { return m_cancellation.isCancelled(); }

    // Waits for the epochs' metrics to be committed; the first failure, if any.
    QString waitForLogs()
    {
        QString problem;
        for (const auto &pending : std::as_const(m_pending)) {
            const Result<void> logged = pending.result();
            if (!logged && problem.isEmpty())
                problem = logged.errorMessage();
        }
        m_pending.clear();
        return problem;
    }

private:
    tracking::TrackingStore &m_tracking;
    QString m_runId;
    int m_trial;
    int m_trials;
    CancellationToken m_cancellation;
    ProgressBoard &m_board;
    QElapsedTimer m_lastReport;
    QList<QFuture<Result<void>>> m_pending;
};

// Logs what only describes a run (its error, the best trial's mark); a failure there is worth a
// warning but must not hide the outcome it describes.
void logOrWarn(tracking::TrackingStore &tracking, const QString &runId,
               const QList<MetricPoint> &metrics, const StringPairs &params,
               const StringPairs &tags)
{
    if (auto logged = tracking.logBatch(runId, metrics, params, tags); !logged)
        qCWarning(lcTraining).noquote() << "run" << runId << ":" << logged.errorMessage();
}

// Writes `bytes` to `path` whole or not at all.
Result<void> writeArtifact(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return fail(QStringLiteral("could not write %1: %2").arg(path, file.errorString()));
    return {};
}

// Saves the model into <artifacts>/model: into a hidden folder first, renamed when complete,
// so no half-written model is ever in place.
Result<void> saveModelArtifact(const ml::Model &model, const QString &artifactDirectory)
{
    QDir artifacts(artifactDirectory);
    const QString partial = artifacts.filePath(QStringLiteral(".model.partial"));
    const QString final = artifacts.filePath(QStringLiteral("model"));
    QDir(partial).removeRecursively();
    if (auto saved = model.save(partial.toStdString()); !saved)
        return fail(text(saved.error().message));
    QDir(final).removeRecursively();
    if (!artifacts.rename(QStringLiteral(".model.partial"), QStringLiteral("model")))
        return fail(QStringLiteral("could not move the model into %1").arg(final));
    return {};
}

StringPairs paramsOf(const TrainingRequest &request, const ml::Hyperparameters &architecture,
                     const QString &dataDescription)
{
    StringPairs params;
    params.append({QStringLiteral("architecture"), request.architectureId});
    params.append({QStringLiteral("data"), dataDescription});
    for (const auto &[name, value] : architecture)
        params.append({text(name), text(ml::toString(value))});
    const ml::TrainingOptions &o = request.training;
    params.append({QStringLiteral("epochs"), QString::number(o.epochs)});
    params.append({QStringLiteral("batch_size"), QString::number(o.batchSize)});
    params.append({QStringLiteral("optimizer"), text(o.optimizer)});
    params.append({QStringLiteral("learning_rate"), text(ml::toString(o.learningRate))});
    if (o.optimizer == "sgd")
        params.append({QStringLiteral("momentum"), text(ml::toString(o.momentum))});
    params.append({QStringLiteral("weight_decay"), text(ml::toString(o.weightDecay))});
    params.append({QStringLiteral("schedule"), text(o.schedule)});
    params.append(
        {QStringLiteral("validation_fraction"), text(ml::toString(o.validationFraction))});
    params.append({QStringLiteral("patience"), QString::number(o.patience)});
    params.append({QStringLiteral("seed"), QString::number(request.seed)});
    return params;
}

struct TrialOutcome
{
    QString runId;
    TrainingJobResult::Status status = TrainingJobResult::Status::Finished;
    QString message;
    double objective = std::numeric_limits<double>::quiet_NaN(); // lower is better
    double testAccuracy = 0;
    double testLoss = 0;
    QList<MetricPoint> finalMetrics;
};

struct JobContext
{
    tracking::TrackingStore &tracking;
    const ml::Architecture &architecture;
    const TrainingData &data;
    QString experimentId;
    CancellationToken cancellation;
    ProgressBoard &board;
};

// One training run: created, trained, evaluated, its artifacts written and its status set.
Result<TrialOutcome> runOne(JobContext &job, const TrainingRequest &request, int trial, int trials,
                            const QString &parentRunId)
{
    auto model = ml::Model::create(job.architecture, request.architectureHyperparameters,
                                   ml::ModelSignature::of(job.data.train), request.seed);
    if (!model)
        return fail(text(model.error().message));
    model->setPreprocessing(job.data.preprocessing);

    StringPairs tags{{QStringLiteral("mlflow.source.name"), QStringLiteral("millrace train")},
                     {QStringLiteral("millrace.architecture"), request.architectureId}};
    if (!parentRunId.isEmpty())
        tags.append({tracking::kParentRunIdTag, parentRunId});
    QString runName = request.runName;
    if (trial > 0)
        runName = QStringLiteral("%1-trial-%2")
                      .arg(request.runName.isEmpty() ? QStringLiteral("search") : request.runName)
                      .arg(trial);
    auto run = job.tracking.createRun(job.experimentId, loginName(), runName, nowMs(), tags);
    if (!run)
        return run.error();
    TrialOutcome outcome;
    outcome.runId = run->info.runId;
    if (job.board.observer())
        job.board.observer()->runCreated(outcome.runId, trial);

    // Each epoch's model is saved to <artifacts>/checkpoint while the run trains, so a crash
    // leaves the last whole epoch behind. A failed run keeps it; a finished one has its model
    // and a cancelled one wanted none, so theirs is removed.
    QString checkpoint;
    auto end = [&](RunStatus status, const QString &message) -> Result<TrialOutcome> {
        if (!checkpoint.isEmpty() && status != RunStatus::Failed)
            QDir(checkpoint).removeRecursively();
        if (!message.isEmpty())
            logOrWarn(job.tracking, outcome.runId, {}, {}, {{kErrorTag, message.left(5000)}});
        auto ended = job.tracking.updateRun(outcome.runId, status, nowMs());
        if (!ended)
            return ended.error();
        outcome.message = message;
        outcome.status = status == RunStatus::Finished ? TrainingJobResult::Status::Finished
                         : status == RunStatus::Killed ? TrainingJobResult::Status::Cancelled
                                                       : TrainingJobResult::Status::Failed;
        return outcome;
    };

    auto logged = job.tracking.logBatch(
        outcome.runId, {}, paramsOf(request, model->hyperparameters(), job.data.description), {});
    if (!logged)
        return end(RunStatus::Failed, logged.errorMessage());

    auto directory = job.tracking.runArtifactDirectory(outcome.runId);
    if (!directory)
        return end(RunStatus::Failed, directory.errorMessage());
    if (!QDir().mkpath(*directory))
        return end(RunStatus::Failed, QStringLiteral("could not create %1").arg(*directory));
    checkpoint = QDir(*directory).filePath(QStringLiteral("checkpoint"));
    ml::TrainingOptions options = request.training;
    options.checkpointDirectory = checkpoint.toStdString();

    RunObserver observer(job.tracking, outcome.runId, trial, trials, job.cancellation, job.board);
    qCInfo(lcTraining).noquote() << "training run" << outcome.runId << "of"
                                 << request.architectureId << "on" << job.data.description;
    auto summary = ml::train(*model, job.data.train, options, &observer);
    const QString logProblem = observer.waitForLogs();
    if (!summary) {
        qCWarning(lcTraining).noquote()
            << "run" << outcome.runId << "failed:" << text(summary.error().message);
        return end(RunStatus::Failed, text(summary.error().message));
    }
    if (summary->outcome == ml::TrainingOutcome::Cancelled)
        return end(RunStatus::Killed, QStringLiteral("cancelled"));
    if (!logProblem.isEmpty())
        return end(RunStatus::Failed, QStringLiteral("could not log metrics: ") + logProblem);

    // Judge the model on the fixed test set.
    auto predictions = ml::predictWithLoss(*model, job.data.test);
    if (!predictions)
        return end(RunStatus::Failed, text(predictions.error().message));
    const qint64 now = nowMs();
    const int lastEpoch = int(summary->epochs.size());
    QByteArray reportJson;
    QString confusionSvg;
    if (job.data.test.task == ml::TaskKind::Classification) {
        auto report = ml::classificationReport(job.data.test.classLabels, predictions->classes,
                                               job.data.test.classCount, predictions->meanLoss,
                                               job.data.test.classNames);
        if (!report)
            return end(RunStatus::Failed, text(report.error().message));
        outcome.testAccuracy = report->accuracy;
        outcome.testLoss = report->meanLoss;
        outcome.finalMetrics = {
            {QStringLiteral("test_accuracy"), report->accuracy, now, lastEpoch},
            {QStringLiteral("test_loss"), report->meanLoss, now, lastEpoch},
            {QStringLiteral("test_macro_f1"), report->macro.f1, now, lastEpoch},
            {QStringLiteral("test_weighted_f1"), report->weighted.f1, now, lastEpoch}};
        reportJson = QByteArray::fromStdString(ml::toJson(*report));
        confusionSvg = confusionMatrixSvg(report->confusion, job.data.test.classNames);
    } else {
        auto report =
            ml::regressionReport(job.data.test.targets, predictions->values, predictions->meanLoss);
        if (!report)
            return end(RunStatus::Failed, text(report.error().message));
        outcome.testLoss = report->meanLoss;
        outcome.finalMetrics = {{QStringLiteral("test_loss"), report->meanLoss, now, lastEpoch},
                                {QStringLiteral("test_rmse"), report->rmse, now, lastEpoch},
                                {QStringLiteral("test_mae"), report->mae, now, lastEpoch},
                                {QStringLiteral("test_r2"), report->r2, now, lastEpoch}};
        reportJson = QByteArray::fromStdString(ml::toJson(*report));
    }
    // The search's objective: the kept epoch's validation figure, never the test set's.
    const ml::EpochMetrics &best = summary->epochs[std::max(0, summary->bestEpoch - 1)];
    if (job.data.train.task == ml::TaskKind::Classification)
        outcome.objective =
            std::isnan(best.validationAccuracy) ? -best.trainAccuracy : -best.validationAccuracy;
    else
        outcome.objective = std::isnan(best.validationLoss) ? best.trainLoss : best.validationLoss;
    QList<MetricPoint> finalMetrics = outcome.finalMetrics;
    finalMetrics.append({QStringLiteral("best_epoch"), double(summary->bestEpoch), now, lastEpoch});
    finalMetrics.append(
        {QStringLiteral("train_samples_per_second"), summary->samplesPerSecond, now, lastEpoch});
    StringPairs endTags{{QStringLiteral("millrace.device"), text(summary->device)}};
    if (summary->outcome == ml::TrainingOutcome::EarlyStopped)
        endTags.append({QStringLiteral("millrace.early_stopped"), QStringLiteral("true")});
    if (auto logged = job.tracking.logBatch(outcome.runId, finalMetrics, {}, endTags); !logged)
        return end(RunStatus::Failed, logged.errorMessage());

    const QDir artifacts(*directory);
    if (auto written =
            writeArtifact(artifacts.filePath(QStringLiteral("evaluation.json")), reportJson);
        !written)
        return end(RunStatus::Failed, written.errorMessage());
    if (!confusionSvg.isEmpty()) {
        if (auto written = writeArtifact(artifacts.filePath(QStringLiteral("confusion_matrix.svg")),
                                         confusionSvg.toUtf8());
            !written)
            return end(RunStatus::Failed, written.errorMessage());
    }
    if (job.cancellation.isCancelled())
        return end(RunStatus::Killed, QStringLiteral("cancelled"));
    if (auto saved = saveModelArtifact(*model, *directory); !saved)
        return end(RunStatus::Failed, saved.errorMessage());
    return end(RunStatus::Finished, QString());
}

// The hyperparameters a search varies, and the request with a trial's values applied.
ml::SearchSpace searchSpace(const ml::Architecture &architecture, const SearchSpec &search)
{
    ml::SearchSpace space;
    auto wanted = [&](const std::string &name, bool byDefault) {
        return search.vary.isEmpty() ? byDefault : search.vary.contains(text(name));
    };
    for (const ml::HyperparameterSpec &spec : architecture.hyperparameters()) {
        if (wanted(spec.name, true))
            space.push_back(spec);
    }
    // Epochs only when asked: a search over them mostly finds that more epochs help.
    for (const ml::HyperparameterSpec &spec : ml::trainingSearchSpace()) {
        if (wanted(spec.name, spec.name != "epochs"))
            space.push_back(spec);
    }
    return space;
}

Result<TrainingRequest> trialRequest(TrainingRequest request, const ml::Hyperparameters &values,
                                     const ml::Architecture &architecture)
{
    ml::Hyperparameters trainingValues;
    const ml::SearchSpace architectureSpace = architecture.hyperparameters();
    for (const auto &[name, value] : values) {
        const bool ofArchitecture =
            std::any_of(architectureSpace.begin(), architectureSpace.end(),
                        [&](const ml::HyperparameterSpec &spec) { return spec.name == name; });
        if (ofArchitecture)
            request.architectureHyperparameters[name] = value;
        else
            trainingValues[name] = value;
    }
    auto options = ml::withTrainingHyperparameters(request.training, trainingValues);
    if (!options)
        return fail(text(options.error().message));
    request.training = *options;
    return request;
}

Result<TrainingJobResult> runSearch(JobContext &job, const TrainingRequest &request)
{
    const SearchSpec &search = *request.search;
    for (const QString &name : search.vary) {
        const ml::SearchSpace all = searchSpace(job.architecture, {});
        const bool known = std::any_of(all.begin(), all.end(),
                                       [&](const auto &spec) { return text(spec.name) == name; })
                           || name == QLatin1String("epochs");
        if (!known)
            return fail(QStringLiteral("search.vary: '%1' is not a hyperparameter of %2 or of "
                                       "training")
                            .arg(name, request.architectureId));
    }
    auto sampler = ml::makeSampler(search.method.toStdString(),
                                   searchSpace(job.architecture, search), request.seed);
    if (!sampler)
        return fail(text(sampler.error().message));

    auto parent = job.tracking.createRun(
        job.experimentId, loginName(),
        request.runName.isEmpty() ? QStringLiteral("search") : request.runName, nowMs(),
        {{QStringLiteral("mlflow.source.name"), QStringLiteral("millrace train")},
         {QStringLiteral("millrace.search.method"), search.method}});
    if (!parent)
        return parent.error();
    const QString parentId = parent->info.runId;
    if (job.board.observer())
        job.board.observer()->runCreated(parentId, 0);
    logOrWarn(job.tracking, parentId, {},
              {{QStringLiteral("search_method"), search.method},
               {QStringLiteral("trials"), QString::number(search.trials)},
               {QStringLiteral("parallel"), QString::number(search.parallel)},
               {QStringLiteral("architecture"), request.architectureId},
               {QStringLiteral("data"), job.data.description}},
              {});

    // Trials choose on a validation share of the training data, never on the test set.
    TrainingRequest base = request;
    if (base.training.validationFraction <= 0)
        base.training.validationFraction = 0.1;
    // Parallel trials are limited by the cores: more would only take turns on them.
    const int cores = std::max(1, QThread::idealThreadCount());
    const int parallel = std::clamp(search.parallel, 1, std::min(search.trials, cores));
    if (parallel > 1)
        base.training.intraOpThreads = std::max(1, cores / parallel);

    TrainingJobResult result;
    result.runId = parentId;
    std::optional<TrialOutcome> best;
    QString failure;
    int trial = 0;
    while (trial < search.trials && !job.cancellation.isCancelled()) {
        // A round of up to `parallel` trials: TPE learns from each round's results.
        std::vector<ml::Hyperparameters> values;
        std::vector<TrainingRequest> requests;
        for (int i = 0; i < parallel && trial + i < search.trials; ++i) {
            values.push_back((*sampler)->suggest());
            auto applied = trialRequest(base, values.back(), job.architecture);
            if (!applied) {
                failure = applied.errorMessage();
                break;
            }
            requests.push_back(*applied);
        }
        if (!failure.isEmpty())
            break;
        std::vector<Result<TrialOutcome>> outcomes(requests.size(),
                                                   fail(QStringLiteral("not run")));
        QFutureSynchronizer<void> round;
        for (std::size_t i = 0; i < requests.size(); ++i) {
            const int number = trial + int(i) + 1;
            auto work = [&, i, number] {
                outcomes[i] = runOne(job, requests[i], number, search.trials, parentId);
            };
            if (requests.size() == 1)
                work();
            else
                round.addFuture(QtConcurrent::run(work));
        }
        round.waitForFinished();
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            if (!outcomes[i]) {
                failure = outcomes[i].errorMessage();
                continue;
            }
            const TrialOutcome &outcome = *outcomes[i];
            const bool finished = outcome.status == TrainingJobResult::Status::Finished;
            (*sampler)->tell(values[i], finished ? outcome.objective
                                                 : std::numeric_limits<double>::quiet_NaN());
            if (finished && (!best || outcome.objective < best->objective))
                best = outcome;
        }
        trial += int(requests.size());
        if (!failure.isEmpty())
            break;
    }

    const qint64 now = nowMs();
    if (best) {
        logOrWarn(job.tracking, best->runId, {}, {}, {{kBestTrialTag, QStringLiteral("true")}});
        QList<MetricPoint> parentMetrics;
        for (MetricPoint point : best->finalMetrics) {
            point.key = QStringLiteral("best_") + point.key;
            point.timestamp = now;
            parentMetrics.append(point);
        }
        logOrWarn(job.tracking, parentId, parentMetrics, {},
                  {{QStringLiteral("millrace.best_trial_run_id"), best->runId}});
        result.bestTrialRunId = best->runId;
        result.testAccuracy = best->testAccuracy;
        result.testLoss = best->testLoss;
    }
    RunStatus status = RunStatus::Finished;
    if (job.cancellation.isCancelled()) {
        status = RunStatus::Killed;
        result.status = TrainingJobResult::Status::Cancelled;
        result.message = QStringLiteral("cancelled");
    } else if (!failure.isEmpty() || !best) {
        status = RunStatus::Failed;
        result.status = TrainingJobResult::Status::Failed;
        result.message = failure.isEmpty() ? QStringLiteral("no trial finished") : failure;
        logOrWarn(job.tracking, parentId, {}, {}, {{kErrorTag, result.message}});
    }
    if (auto ended = job.tracking.updateRun(parentId, status, now); !ended)
        return ended.error();
    return result;
}

} // namespace

Result<TrainingJobResult> runTrainingJob(tracking::TrackingStore &tracking,
                                         const ArchitectureLookup &architectures,
                                         const TrainingRequest &request,
                                         const CancellationToken &cancellation,
                                         TrainingJobObserver *observer)
{
    // Everything that can be checked is checked before a run exists.
    const ml::Architecture *architecture =
        architectures ? architectures(request.architectureId.toStdString()) : nullptr;
    if (!architecture)
        return fail(QStringLiteral("unknown architecture '%1'").arg(request.architectureId));
    if (auto resolved = ml::resolveHyperparameters(architecture->hyperparameters(),
                                                   request.architectureHyperparameters);
        !resolved)
        return fail(text(resolved.error().message));
    if (auto valid = ml::validate(request.training); !valid)
        return fail(text(valid.error().message));
    auto data = loadTrainingData(request.data);
    if (!data)
        return data.error();
    const bool images = architecture->inputKind() == ml::InputKind::Image;
    if (images != (data->train.sampleShape.size() >= 2))
        return fail(QStringLiteral("%1 takes %2, the data holds %3")
                        .arg(request.architectureId,
                             images ? QStringLiteral("images") : QStringLiteral("table rows"),
                             images ? QStringLiteral("table rows") : QStringLiteral("images")));

    QString experimentId;
    if (auto experiment = tracking.experimentByName(request.experimentName))
        experimentId = experiment->id;
    else if (auto created = tracking.createExperiment(request.experimentName))
        experimentId = *created;
    else
        return created.error();

    ProgressBoard board(observer, request.search ? request.search->trials : 1);
    JobContext job{tracking, *architecture, *data, experimentId, cancellation, board};
    if (request.search)
        return runSearch(job, request);
    auto outcome = runOne(job, request, 0, 0, QString());
    if (!outcome)
        return outcome.error();
    TrainingJobResult result;
    result.runId = outcome->runId;
    result.status = outcome->status;
    result.message = outcome->message;
    result.testAccuracy = outcome->testAccuracy;
    result.testLoss = outcome->testLoss;
    return result;
}

} // namespace millrace::training
