#include "core/pipeline/modeloperators.h"

#include "core/base/loginname.h"
#include "core/ml/evaluation.h"
#include "core/ml/idx.h"
#include "core/ml/onnxexport.h"
#include "core/ml/trainer.h"
#include "core/ml/update.h"
#include "core/pipeline/fashionsplit.h"
#include "core/pipeline/pipelinelog.h"
#include "core/registry/registrystore.h"
#include "core/streams/batchstore.h"
#include "core/tracking/trackingstore.h"
#include "core/training/challenger.h"
#include "core/training/registeredmodels.h"
#include "core/training/trainingjob.h"
#include "core/training/trainingrequest.h"
#include "core/workspace/workspace.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

#include <cmath>

namespace millrace::pipeline {

namespace {

using plugins::TaskContext;
using plugins::TaskOutcome;
using StringPairs = QList<QPair<QString, QString>>;

const QString kDefaultModel = QStringLiteral("fashion-mnist");
const QString kDefaultExperiment = QStringLiteral("fashion-mnist");
const QString kChampionAlias = QStringLiteral("champion");
const QString kModelArtifact = QStringLiteral("model");

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

// A finite number, or null (JSON has no NaN).
QJsonValue number(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue();
}

QStringList stageNames()
{
    QStringList names;
    for (registry::Stage stage : registry::allStages())
        names.append(registry::toString(stage));
    return names;
}

ParamSpec modelParam()
{
    return {QStringLiteral("model"), QStringLiteral("string"),
            QStringLiteral("The registered model."), kDefaultModel};
}

ParamSpec aliasParam(const QString &description, const QJsonValue &defaultValue)
{
    return {QStringLiteral("champion_alias"), QStringLiteral("string"), description, defaultValue};
}

// The folder a task reads Fashion-MNIST from: the param, else the workspace's prepared split,
// which must exist (the seed trains, replays and tests on the parts prepare_data wrote).
Result<QString> dataDirectory(const PipelineEnvironment &environment, const TaskParams &params,
                              const QString &name)
{
    if (params.has(name))
        return params.string(name);
    const QString prepared = preparedSplitDirectory(environment.workspace.root());
    if (Result<PreparedSplit> split = readPreparedSplit(prepared); !split)
        return fail(QStringLiteral("%1 (or give param \"%2\")").arg(split.errorMessage(), name));
    return prepared;
}

// The registered model, created on first use.
Result<void> ensureRegisteredModel(registry::RegistryStore &registry, const QString &name,
                                   TaskContext &context)
{
    if (registry.registeredModel(name))
        return {};
    Result<registry::RegisteredModel> created = registry.createRegisteredModel(
        name, QStringLiteral("Registered by the pipeline (DAG %1)").arg(context.dagId()));
    // Another task may have created it at the same moment: as good.
    if (!created && created.error().code != registry::errorcode::kResourceAlreadyExists)
        return created.error();
    if (created)
        context.log(QStringLiteral("created registered model %1").arg(name));
    return {};
}

// The version of `model` registered from `runId`'s model, if an earlier try registered it.
std::optional<registry::ModelVersion> versionOfRun(const registry::RegistryStore &registry,
                                                   const QString &model, const QString &runId)
{
    Result<registry::Page<registry::ModelVersion>> found = registry.searchModelVersions(
        QStringLiteral("run_id = '%1'").arg(runId), 1000, {}, QString());
    if (!found)
        return std::nullopt;
    for (const registry::ModelVersion &version : std::as_const(found->items)) {
        if (version.name == model && version.status == registry::VersionStatus::Ready)
            return version;
    }
    return std::nullopt;
}

// Registers `runId`'s model folder as a new version of `model`, or finds the version an
// earlier try of the same task registered, so retries do not pile up versions.
Result<registry::ModelVersion> registerRunModel(PipelineEnvironment &environment,
                                                TaskContext &context, const QString &model,
                                                const QString &runId, const QString &description,
                                                StringPairs tags)
{
    if (Result<void> ensured = ensureRegisteredModel(environment.registry, model, context);
        !ensured)
        return ensured.error();
    if (std::optional<registry::ModelVersion> existing =
            versionOfRun(environment.registry, model, runId)) {
        context.log(QStringLiteral("run %1 is already registered as version %2 of %3")
                        .arg(runId)
                        .arg(existing->version)
                        .arg(model));
        return *existing;
    }
    registry::NewModelVersion request;
    request.name = model;
    request.source = QStringLiteral("runs:/%1/%2").arg(runId, kModelArtifact);
    request.runId = runId;
    request.description = description;
    tags.append(lineageTags(context));
    for (const auto &[key, value] : std::as_const(tags))
        request.tags.insert(key, value);
    Result<registry::ModelVersion> created = environment.registry.createModelVersion(
        request, pipelineActor(context, QStringLiteral("registered from run %1").arg(runId)));
    if (!created)
        return created;
    if (created->status != registry::VersionStatus::Ready)
        return fail(QStringLiteral("version %1 of %2 could not be registered: %3")
                        .arg(created->version)
                        .arg(model, created->statusMessage));
    context.log(QStringLiteral("registered run %1 as version %2 of %3 (%4)")
                    .arg(runId)
                    .arg(created->version)
                    .arg(model, created->directory));
    return created;
}

// The champion: the version `alias` names, else the newest Production version.
Result<registry::ModelVersion> champion(const registry::RegistryStore &registry,
                                        const QString &model, const QString &alias)
{
    if (!registry.registeredModel(model))
        return fail(QStringLiteral("there is no registered model '%1': train and register an "
                                   "initial model first (DAG initial_model)")
                        .arg(model));
    if (!alias.isEmpty()) {
        if (Result<registry::ModelVersion> named = registry.versionByAlias(model, alias))
            return named;
    }
    Result<QList<registry::ModelVersion>> production =
        registry.latestVersions(model, {registry::Stage::Production});
    if (!production)
        return production.error();
    if (production->isEmpty())
        return fail(QStringLiteral("model '%1' has no champion: no version has the alias '%2' or "
                                   "is in Production; register an initial model first (DAG "
                                   "initial_model)")
                        .arg(model, alias));
    return production->first();
}

// Writes `bytes` to `path` whole or not at all.
Result<void> writeArtifact(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return fail(QStringLiteral("could not write %1: %2").arg(path, file.errorString()));
    return {};
}

// Saves the model as <artifacts>/model the way training jobs do (a hidden folder renamed when
// complete), so the registry copies it like any trained run's model.
Result<void> saveModelArtifact(const ml::Model &model, const QString &artifactDirectory)
{
    QDir artifacts(artifactDirectory);
    const QString partial = artifacts.filePath(QStringLiteral(".model.partial"));
    QDir(partial).removeRecursively();
    if (auto saved = model.save(partial.toStdString()); !saved)
        return fail(text(saved.error().message));
    QDir(artifacts.filePath(kModelArtifact)).removeRecursively();
    if (!artifacts.rename(QStringLiteral(".model.partial"), kModelArtifact))
        return fail(QStringLiteral("could not move the model into %1")
                        .arg(artifacts.filePath(kModelArtifact)));
    return {};
}

// Hears a training job on the task's thread: tags the run with its DAG run, mirrors epochs to
// the task log and progress to the task.
class JobObserver : public training::TrainingJobObserver
{
public:
    JobObserver(TaskContext &context, tracking::TrackingStore &tracking)
        : m_context(context), m_tracking(tracking), m_progress(context)
    {
    }

    void runCreated(const QString &runId, int) override
    {
        m_runId = runId;
        m_context.log(QStringLiteral("tracking run %1 created").arg(runId));
        if (Result<void> tagged = m_tracking.logBatch(runId, {}, {}, lineageTags(m_context));
            !tagged)
            m_context.log(QStringLiteral("warning: could not tag run %1: %2")
                              .arg(runId, tagged.errorMessage()));
    }
    void progress(const training::TrainingProgress &progress) override
    {
        m_progress.report(0.95 * progress.fraction);
    }
    void epochFinished(const QString &, int, const ml::EpochMetrics &metrics) override
    {
        m_context.log(QStringLiteral("epoch %1: train loss %2, train accuracy %3 (%4 s)")
                          .arg(metrics.epoch)
                          .arg(metrics.trainLoss, 0, 'f', 4)
                          .arg(metrics.trainAccuracy, 0, 'f', 4)
                          .arg(metrics.seconds, 0, 'f', 1));
    }

    QString runId() const { return m_runId; }

private:
    TaskContext &m_context;
    tracking::TrackingStore &m_tracking;
    ProgressThrottle m_progress;
    QString m_runId;
};

// Hears an incremental update: per-epoch metrics into its tracking run and the task log,
// progress to the task, and the task's cancellation as a stop request.
class UpdateObserver : public ml::TrainingObserver
{
public:
    UpdateObserver(TaskContext &context, tracking::TrackingStore &tracking, QString runId,
                   const CancellationRelay &relay)
        : m_context(context), m_tracking(tracking), m_runId(std::move(runId)), m_relay(relay),
          m_progress(context)
    {
    }

    void onBatch(const ml::BatchProgress &batch) override
    {
        const double fraction = (batch.epoch - 1 + double(batch.batch) / double(batch.batches))
                                / double(std::max(1, batch.epochs));
        m_progress.report(0.2 + 0.6 * fraction);
    }
    void onEpoch(const ml::EpochMetrics &epoch) override
    {
        const qint64 now = nowMs();
        QList<tracking::MetricPoint> points;
        auto add = [&](const QString &key, double value) {
            if (!std::isnan(value))
                points.append({key, value, now, epoch.epoch});
        };
        add(QStringLiteral("train_loss"), epoch.trainLoss);
        add(QStringLiteral("train_accuracy"), epoch.trainAccuracy);
        add(QStringLiteral("learning_rate"), epoch.learningRate);
        add(QStringLiteral("epoch_seconds"), epoch.seconds);
        if (Result<void> logged = m_tracking.logBatch(m_runId, points, {}, {}); !logged)
            m_problem = logged.errorMessage();
        m_context.log(QStringLiteral("epoch %1: train loss %2, train accuracy %3 (%4 s)")
                          .arg(epoch.epoch)
                          .arg(epoch.trainLoss, 0, 'f', 4)
                          .arg(epoch.trainAccuracy, 0, 'f', 4)
                          .arg(epoch.seconds, 0, 'f', 1));
    }
    bool stopRequested() const override { return m_relay.isCancelled(); }

    QString problem() const { return m_problem; }

private:
    TaskContext &m_context;
    tracking::TrackingStore &m_tracking;
    QString m_runId;
    const CancellationRelay &m_relay;
    ProgressThrottle m_progress;
    QString m_problem;
};

// The experiment called `name`, created on first use.
Result<QString> experimentId(tracking::TrackingStore &tracking, const QString &name)
{
    if (Result<tracking::Experiment> found = tracking.experimentByName(name))
        return found->id;
    Result<QString> created = tracking.createExperiment(name);
    if (created)
        return created;
    // Created by someone else in between.
    if (Result<tracking::Experiment> found = tracking.experimentByName(name))
        return found->id;
    return created;
}

} // namespace

// train_initial_model ----------------------------------------------------------------------

QString TrainInitialModelOperator::summary() const
{
    return QStringLiteral("Trains the initial model on the prepared training split and logs it "
                          "as a tracking run.");
}

QList<ParamSpec> TrainInitialModelOperator::params() const
{
    ParamSpec trainLimit{QStringLiteral("train_limit"), QStringLiteral("integer"),
                         QStringLiteral("Train on this many images drawn with the seed; 0 uses "
                                        "the whole training split."),
                         12000};
    trainLimit.minimum = 0;
    ParamSpec epochs{QStringLiteral("epochs"), QStringLiteral("integer"),
                     QStringLiteral("Passes over the training images."), 2};
    epochs.minimum = 1;
    epochs.maximum = 1000;
    ParamSpec batchSize{QStringLiteral("batch_size"), QStringLiteral("integer"),
                        QStringLiteral("Images per optimiser step."), 64};
    batchSize.minimum = 1;
    batchSize.maximum = 65536;
    ParamSpec learningRate{QStringLiteral("learning_rate"), QStringLiteral("number"),
                           QStringLiteral("Adam's learning rate."), 0.001};
    learningRate.minimum = 0;
    ParamSpec seed{QStringLiteral("seed"), QStringLiteral("integer"),
                   QStringLiteral("Fixes the initial weights, the draw of images and the batch "
                                  "order."),
                   42};
    seed.minimum = 0;
    ParamSpec threads{QStringLiteral("threads"), QStringLiteral("integer"),
                      QStringLiteral("LibTorch threads inside one operation; 0: one per core."), 0};
    threads.minimum = 0;
    threads.maximum = 256;
    return {
        {QStringLiteral("experiment"), QStringLiteral("string"),
         QStringLiteral("Tracking experiment of the run."), kDefaultExperiment},
        {QStringLiteral("run_name"), QStringLiteral("string"), QStringLiteral("Name of the run."),
         QStringLiteral("initial-model")},
        {QStringLiteral("data_dir"), QStringLiteral("string"),
         QStringLiteral("Folder of the Fashion-MNIST IDX files to train and test on. Default: "
                        "the split prepare_data wrote into the workspace.")},
        trainLimit,
        epochs,
        batchSize,
        learningRate,
        {QStringLiteral("architecture"), QStringLiteral("string"),
         QStringLiteral("Model architecture plugin."), QStringLiteral("image-cnn")},
        {QStringLiteral("hyperparameters"), QStringLiteral("object"),
         QStringLiteral("The architecture's hyperparameters, e.g. {\"base_width\": 16}; those "
                        "left out keep their defaults."),
         QJsonObject()},
        seed,
        threads,
    };
}

TaskOutcome TrainInitialModelOperator::execute(TaskContext &context, const TaskParams &params)
{
    Result<QString> directory = dataDirectory(m_environment, params, QStringLiteral("data_dir"));
    if (!directory)
        return failed(context, directory.errorMessage());
    // Through the request format of `millrace train --config`, so the hyperparameters and
    // options are checked as everywhere else.
    const QJsonObject json{
        {QStringLiteral("experiment"), params.string(QStringLiteral("experiment"))},
        {QStringLiteral("run_name"), params.string(QStringLiteral("run_name"))},
        {QStringLiteral("data"),
         QJsonObject{
             {QStringLiteral("kind"), QStringLiteral("fashion-mnist")},
             {QStringLiteral("path"), *directory},
             {QStringLiteral("train_limit"), params.integer(QStringLiteral("train_limit"))}}},
        {QStringLiteral("architecture"), params.string(QStringLiteral("architecture"))},
        {QStringLiteral("hyperparameters"), params.object(QStringLiteral("hyperparameters"))},
        {QStringLiteral("training"),
         QJsonObject{
             {QStringLiteral("epochs"), params.integer(QStringLiteral("epochs"))},
             {QStringLiteral("batch_size"), params.integer(QStringLiteral("batch_size"))},
             {QStringLiteral("learning_rate"), params.number(QStringLiteral("learning_rate"))},
             {QStringLiteral("threads"), params.integer(QStringLiteral("threads"))}}},
        {QStringLiteral("seed"), params.integer(QStringLiteral("seed"))}};
    Result<training::TrainingRequest> request = training::requestFromJson(json);
    if (!request)
        return failed(context,
                      QStringLiteral("bad training request: %1").arg(request.errorMessage()));
    // The images are drawn from the training split with the same seed as the weights, so one
    // number repeats the whole run.
    request->data.splitSeed = request->seed;

    context.log(QStringLiteral("training %1 on %2 (train_limit %3, %4 epochs)")
                    .arg(request->architectureId, *directory)
                    .arg(request->data.trainLimit)
                    .arg(request->training.epochs));
    CancellationRelay relay(context);
    JobObserver observer(context, m_environment.tracking);
    Result<training::TrainingJobResult> job = training::runTrainingJob(
        m_environment.tracking, m_environment.architectures, *request, relay.token(), &observer);
    if (!job)
        return failed(context,
                      QStringLiteral("training could not start: %1").arg(job.errorMessage()));
    switch (job->status) {
    case training::TrainingJobResult::Status::Cancelled:
        return failed(
            context,
            QStringLiteral("cancelled: run %1 ended KILLED without a model").arg(job->runId));
    case training::TrainingJobResult::Status::Failed:
        return failed(context,
                      QStringLiteral("training run %1 failed: %2").arg(job->runId, job->message));
    case training::TrainingJobResult::Status::Finished:
        break;
    }
    context.setProgress(1.0);
    context.log(QStringLiteral("run %1 finished: test accuracy %2, test loss %3")
                    .arg(job->runId)
                    .arg(job->testAccuracy, 0, 'f', 4)
                    .arg(job->testLoss, 0, 'f', 4));
    return succeeded({{QStringLiteral("run_id"), job->runId},
                      {QStringLiteral("test_accuracy"), number(job->testAccuracy)},
                      {QStringLiteral("test_loss"), number(job->testLoss)},
                      {QStringLiteral("experiment"), request->experimentName},
                      {QStringLiteral("model_uri"),
                       QStringLiteral("runs:/%1/%2").arg(job->runId, kModelArtifact)}});
}

// register_model ---------------------------------------------------------------------------

QString RegisterModelOperator::summary() const
{
    return QStringLiteral("Registers a run's model as a new version, optionally in a stage and "
                          "with an alias.");
}

QList<ParamSpec> RegisterModelOperator::params() const
{
    ParamSpec stage{QStringLiteral("stage"), QStringLiteral("string"),
                    QStringLiteral("Stage to move the new version to."), QStringLiteral("None")};
    stage.allowed = stageNames();
    return {
        modelParam(),
        {QStringLiteral("run_id"), QStringLiteral("string"),
         QStringLiteral("The tracking run whose model is registered. Default: the run_id of the "
                        "run_task's result.")},
        {QStringLiteral("run_task"), QStringLiteral("string"),
         QStringLiteral("Upstream training task whose result names the run."),
         QStringLiteral("train")},
        stage,
        {QStringLiteral("archive_existing"), QStringLiteral("boolean"),
         QStringLiteral("Move the versions already in Staging or Production to Archived."), true},
        {QStringLiteral("alias"), QStringLiteral("string"),
         QStringLiteral("Alias to point at the new version, e.g. champion; empty for none."),
         QString()},
        {QStringLiteral("description"), QStringLiteral("string"),
         QStringLiteral("Description of the new version."), QString()},
    };
}

TaskOutcome RegisterModelOperator::execute(TaskContext &context, const TaskParams &params)
{
    const QString model = params.string(QStringLiteral("model"));
    if (Result<void> valid = registry::validateModelName(model); !valid)
        return failed(context, valid.errorMessage());
    const QString runTask = params.string(QStringLiteral("run_task"));
    const QString runId =
        params.has(QStringLiteral("run_id"))
            ? params.string(QStringLiteral("run_id"))
            : upstreamField(context, runTask, QStringLiteral("run_id")).toString();
    if (runId.isEmpty())
        return failed(context, QStringLiteral("no run to register: give param \"run_id\" or run "
                                              "after a training task '%1'")
                                   .arg(runTask));
    const QString alias = params.string(QStringLiteral("alias"));
    if (!alias.isEmpty()) {
        if (Result<void> valid = registry::validateAliasName(alias); !valid)
            return failed(context, valid.errorMessage());
    }
    const registry::Stage stage =
        *registry::stageFromString(params.string(QStringLiteral("stage")));

    // Only a finished run with a whole model is worth a version.
    Result<tracking::Run> run = m_environment.tracking.run(runId);
    if (!run)
        return failed(context, run.errorMessage());
    if (run->info.status != tracking::RunStatus::Finished)
        return failed(context, QStringLiteral("run %1 is %2, not FINISHED: its model is not "
                                              "registered")
                                   .arg(runId, tracking::toString(run->info.status)));
    Result<QString> artifacts = m_environment.tracking.runArtifactDirectory(runId);
    if (!artifacts)
        return failed(context, artifacts.errorMessage());
    if (!QFileInfo::exists(
            QDir(*artifacts).filePath(kModelArtifact + QStringLiteral("/model.json"))))
        return failed(context, QStringLiteral("run %1 has no model (nothing at %2)")
                                   .arg(runId, QDir(*artifacts).filePath(kModelArtifact)));

    Result<registry::ModelVersion> version = registerRunModel(
        m_environment, context, model, runId, params.string(QStringLiteral("description")), {});
    if (!version)
        return failed(context, version.errorMessage());
    const registry::Actor actor = pipelineActor(context);
    if (stage != registry::Stage::None && version->stage != stage) {
        const bool archive =
            params.boolean(QStringLiteral("archive_existing"))
            && (stage == registry::Stage::Staging || stage == registry::Stage::Production);
        Result<registry::ModelVersion> moved =
            m_environment.registry.transitionStage(model, version->version, stage, archive, actor);
        if (!moved)
            return failed(context, moved.errorMessage());
        context.log(QStringLiteral("version %1 moved to %2%3")
                        .arg(version->version)
                        .arg(registry::toString(stage),
                             archive ? QStringLiteral(" (others there archived)") : QString()));
        version = moved;
    }
    if (!alias.isEmpty()) {
        if (Result<void> set =
                m_environment.registry.setAlias(model, alias, version->version, actor);
            !set)
            return failed(context, set.errorMessage());
        context.log(QStringLiteral("alias %1 -> version %2").arg(alias).arg(version->version));
    }
    context.setProgress(1.0);
    return succeeded({{QStringLiteral("model"), model},
                      {QStringLiteral("version"), version->version},
                      {QStringLiteral("stage"), registry::toString(version->stage)},
                      {QStringLiteral("alias"), alias},
                      {QStringLiteral("run_id"), runId},
                      {QStringLiteral("directory"), version->directory}});
}

// update_model -----------------------------------------------------------------------------

QString UpdateModelOperator::summary() const
{
    return QStringLiteral("Fine-tunes a copy of the champion on a drained batch plus a replay "
                          "share of the original data and registers it as a challenger.");
}

QList<ParamSpec> UpdateModelOperator::params() const
{
    ParamSpec replayShare{QStringLiteral("replay_share"), QStringLiteral("number"),
                          QStringLiteral("Share of the training mix drawn from the original "
                                         "training data (0.5: as many old images as new)."),
                          0.5};
    replayShare.minimum = 0;
    replayShare.maximum = 0.95;
    ParamSpec epochs{QStringLiteral("epochs"), QStringLiteral("integer"),
                     QStringLiteral("Passes over the mix."), 2};
    epochs.minimum = 1;
    epochs.maximum = 1000;
    ParamSpec learningRate{QStringLiteral("learning_rate"), QStringLiteral("number"),
                           QStringLiteral("Adam's learning rate for the fine-tuning."), 0.0005};
    learningRate.minimum = 0;
    ParamSpec batchSize{QStringLiteral("batch_size"), QStringLiteral("integer"),
                        QStringLiteral("Images per optimiser step."), 64};
    batchSize.minimum = 1;
    batchSize.maximum = 65536;
    ParamSpec seed{QStringLiteral("seed"), QStringLiteral("integer"),
                   QStringLiteral("Fixes the replay draw and the batch order."), 42};
    seed.minimum = 0;
    ParamSpec threads{QStringLiteral("threads"), QStringLiteral("integer"),
                      QStringLiteral("LibTorch threads inside one operation; 0: one per core."), 0};
    threads.minimum = 0;
    threads.maximum = 256;
    ParamSpec stage{QStringLiteral("stage"), QStringLiteral("string"),
                    QStringLiteral("Stage of the new version until it is judged."),
                    QStringLiteral("None")};
    stage.allowed = {QStringLiteral("None"), QStringLiteral("Staging")};
    return {
        modelParam(),
        {QStringLiteral("batch_id"), QStringLiteral("string"),
         QStringLiteral("The drained batch to learn from. Default: the batch_id of the "
                        "batch_task's result.")},
        {QStringLiteral("batch_task"), QStringLiteral("string"),
         QStringLiteral("Upstream drain_topic task whose result names the batch."),
         QStringLiteral("drain")},
        aliasParam(QStringLiteral("Alias naming the champion to start from (else the newest "
                                  "Production version)."),
                   kChampionAlias),
        replayShare,
        epochs,
        learningRate,
        batchSize,
        seed,
        threads,
        {QStringLiteral("replay_dir"), QStringLiteral("string"),
         QStringLiteral("Folder of the Fashion-MNIST files whose training images are replayed "
                        "and whose test images score the update. Default: the split "
                        "prepare_data wrote.")},
        {QStringLiteral("experiment"), QStringLiteral("string"),
         QStringLiteral("Tracking experiment of the update's run."), kDefaultExperiment},
        {QStringLiteral("run_name"), QStringLiteral("string"),
         QStringLiteral("Name of the update's run. Default: update-<batch id>.")},
        stage,
    };
}

TaskOutcome UpdateModelOperator::execute(TaskContext &context, const TaskParams &params)
{
    const QString model = params.string(QStringLiteral("model"));
    const QString batchTask = params.string(QStringLiteral("batch_task"));
    const QString batchId =
        params.has(QStringLiteral("batch_id"))
            ? params.string(QStringLiteral("batch_id"))
            : upstreamField(context, batchTask, QStringLiteral("batch_id")).toString();
    if (batchId.isEmpty())
        return failed(context, QStringLiteral("no batch to learn from: give param \"batch_id\" or "
                                              "run after a drain_topic task '%1'")
                                   .arg(batchTask));

    // Everything that can be wrong is checked before a run exists: the champion, the batch, the
    // original data.
    Result<registry::ModelVersion> current =
        champion(m_environment.registry, model, params.string(QStringLiteral("champion_alias")));
    if (!current)
        return failed(context, current.errorMessage());
    context.log(QStringLiteral("champion: version %1 of %2 (%3)")
                    .arg(current->version)
                    .arg(model, registry::toString(current->stage)));
    Result<ml::Model> base = training::loadRegisteredModel(
        m_environment.registry, m_environment.architectures, model, current->version);
    if (!base)
        return failed(context, base.errorMessage());
    context.setProgress(0.05);

    streams::BatchStore store = streams::BatchStore::forWorkspace(m_environment.workspace.root());
    Result<streams::BatchManifest> manifest = store.manifest(batchId);
    if (!manifest)
        return failed(context, manifest.errorMessage());
    if (manifest->isUsed())
        return failed(context, QStringLiteral("batch %1 was already used by run %2")
                                   .arg(batchId, manifest->usedByRun));
    Result<ml::Dataset> batch = store.load(batchId);
    if (!batch)
        return failed(
            context,
            QStringLiteral("batch %1 cannot be used: %2").arg(batchId, batch.errorMessage()));
    if (batch->size() == 0)
        return failed(context, QStringLiteral("batch %1 holds no samples (%2 dead letters)")
                                   .arg(batchId)
                                   .arg(manifest->deadLetterCount));
    context.log(QStringLiteral("batch %1: %2 samples from %3")
                    .arg(batchId)
                    .arg(batch->size())
                    .arg(manifest->source.topic));

    Result<QString> directory = dataDirectory(m_environment, params, QStringLiteral("replay_dir"));
    if (!directory)
        return failed(context, directory.errorMessage());
    const double replayShare = params.number(QStringLiteral("replay_share"));
    ml::Dataset replay;
    if (replayShare > 0) {
        ml::Result<ml::Dataset> original =
            ml::readFashionMnist(directory->toStdString(), ml::FashionMnistPart::Train);
        if (!original)
            return failed(context, text(original.error().message));
        replay = std::move(*original);
    }
    ml::Result<ml::Dataset> testSet =
        ml::readFashionMnist(directory->toStdString(), ml::FashionMnistPart::Test);
    if (!testSet)
        return failed(context, text(testSet.error().message));
    context.setProgress(0.15);

    ml::UpdateOptions options;
    options.replayShare = replayShare;
    options.training.epochs = int(params.integer(QStringLiteral("epochs")));
    options.training.batchSize = int(params.integer(QStringLiteral("batch_size")));
    options.training.learningRate = params.number(QStringLiteral("learning_rate"));
    options.training.seed = std::uint64_t(params.integer(QStringLiteral("seed")));
    options.training.intraOpThreads = int(params.integer(QStringLiteral("threads")));
    if (ml::Result<void> valid = ml::validate(options.training); !valid)
        return failed(context, text(valid.error().message));

    // The run.
    Result<QString> experiment =
        experimentId(m_environment.tracking, params.string(QStringLiteral("experiment")));
    if (!experiment)
        return failed(context, experiment.errorMessage());
    const QString runName = params.has(QStringLiteral("run_name"))
                                ? params.string(QStringLiteral("run_name"))
                                : QStringLiteral("update-%1").arg(batchId);
    StringPairs tags{{QStringLiteral("mlflow.source.name"), QStringLiteral("millrace pipeline")},
                     {QStringLiteral("millrace.architecture"), text(base->architectureId())},
                     {QStringLiteral("millrace.parent_model"),
                      QStringLiteral("%1/%2").arg(model).arg(current->version)},
                     {QStringLiteral("millrace.batch_id"), batchId}};
    tags.append(lineageTags(context));
    Result<tracking::Run> run =
        m_environment.tracking.createRun(*experiment, loginName(), runName, nowMs(), tags);
    if (!run)
        return failed(context, run.errorMessage());
    const QString runId = run->info.runId;
    context.log(QStringLiteral("tracking run %1 created").arg(runId));
    // Ends the run; a failure or cancellation leaves the run saying why, and no version.
    auto end = [&](tracking::RunStatus status, const QString &message) -> TaskOutcome {
        // The task fails either way; a run that cannot say so is worth a warning only.
        if (!message.isEmpty()) {
            if (Result<void> tagged = m_environment.tracking.logBatch(
                    runId, {}, {}, {{QStringLiteral("millrace.error"), message.left(5000)}});
                !tagged)
                qCWarning(lcPipeline).noquote() << "run" << runId << ":" << tagged.errorMessage();
        }
        if (Result<tracking::RunInfo> ended =
                m_environment.tracking.updateRun(runId, status, nowMs());
            !ended)
            qCWarning(lcPipeline).noquote() << "run" << runId << ":" << ended.errorMessage();
        return failed(context, QStringLiteral("update run %1: %2").arg(runId, message));
    };

    QString offsets;
    for (const streams::PartitionRange &range : manifest->partitions)
        offsets += QStringLiteral("%1%2:%3-%4")
                       .arg(offsets.isEmpty() ? QString() : QStringLiteral(","))
                       .arg(range.offsets.partition)
                       .arg(range.offsets.firstOffset)
                       .arg(range.offsets.lastOffset);
    StringPairs runParams{
        {QStringLiteral("model"), model},
        {QStringLiteral("champion_version"), QString::number(current->version)},
        {QStringLiteral("architecture"), text(base->architectureId())},
        {QStringLiteral("batch_id"), batchId},
        {QStringLiteral("topic"), manifest->source.topic},
        {QStringLiteral("offsets"), offsets},
        {QStringLiteral("new_samples"), QString::number(batch->size())},
        {QStringLiteral("replay_share"), QString::number(replayShare)},
        {QStringLiteral("epochs"), QString::number(options.training.epochs)},
        {QStringLiteral("batch_size"), QString::number(options.training.batchSize)},
        {QStringLiteral("optimizer"), text(options.training.optimizer)},
        {QStringLiteral("learning_rate"), QString::number(options.training.learningRate)},
        {QStringLiteral("seed"), QString::number(options.training.seed)}};
    if (replayShare > 0)
        runParams.append({QStringLiteral("replay_data"), *directory});
    if (Result<void> logged = m_environment.tracking.logBatch(runId, {}, runParams, {}); !logged)
        return end(tracking::RunStatus::Failed, logged.errorMessage());

    CancellationRelay relay(context);
    UpdateObserver observer(context, m_environment.tracking, runId, relay);
    ml::Result<ml::UpdateResult> updated =
        ml::updateModel(*base, *batch, replay, options, &observer);
    if (!updated)
        return end(tracking::RunStatus::Failed, text(updated.error().message));
    if (updated->summary.outcome == ml::TrainingOutcome::Cancelled || relay.isCancelled())
        return end(tracking::RunStatus::Killed, QStringLiteral("cancelled"));
    if (!observer.problem().isEmpty())
        return end(tracking::RunStatus::Failed,
                   QStringLiteral("could not log metrics: ") + observer.problem());
    context.log(QStringLiteral("trained on %1 new and %2 replayed images")
                    .arg(updated->newSamples)
                    .arg(updated->replaySamples));

    // Scored on the fixed test set, as the initial model was.
    ml::Result<ml::Predictions> predictions = ml::predictWithLoss(updated->model, *testSet);
    if (!predictions)
        return end(tracking::RunStatus::Failed, text(predictions.error().message));
    ml::Result<ml::ClassificationReport> report =
        ml::classificationReport(testSet->classLabels, predictions->classes, testSet->classCount,
                                 predictions->meanLoss, testSet->classNames);
    if (!report)
        return end(tracking::RunStatus::Failed, text(report.error().message));
    context.setProgress(0.9);
    const qint64 now = nowMs();
    const int lastEpoch = int(updated->summary.epochs.size());
    const QList<tracking::MetricPoint> finalMetrics{
        {QStringLiteral("test_accuracy"), report->accuracy, now, lastEpoch},
        {QStringLiteral("test_loss"), report->meanLoss, now, lastEpoch},
        {QStringLiteral("test_macro_f1"), report->macro.f1, now, lastEpoch},
        {QStringLiteral("new_samples"), double(updated->newSamples), now, lastEpoch},
        {QStringLiteral("replay_samples"), double(updated->replaySamples), now, lastEpoch}};
    if (Result<void> logged = m_environment.tracking.logBatch(runId, finalMetrics, {}, {}); !logged)
        return end(tracking::RunStatus::Failed, logged.errorMessage());
    Result<QString> artifacts = m_environment.tracking.runArtifactDirectory(runId);
    if (!artifacts)
        return end(tracking::RunStatus::Failed, artifacts.errorMessage());
    if (!QDir().mkpath(*artifacts))
        return end(tracking::RunStatus::Failed,
                   QStringLiteral("could not create %1").arg(*artifacts));
    if (Result<void> written =
            writeArtifact(QDir(*artifacts).filePath(QStringLiteral("evaluation.json")),
                          QByteArray::fromStdString(ml::toJson(*report)));
        !written)
        return end(tracking::RunStatus::Failed, written.errorMessage());
    if (relay.isCancelled())
        return end(tracking::RunStatus::Killed, QStringLiteral("cancelled"));
    if (Result<void> saved = saveModelArtifact(updated->model, *artifacts); !saved)
        return end(tracking::RunStatus::Failed, saved.errorMessage());
    if (Result<tracking::RunInfo> ended =
            m_environment.tracking.updateRun(runId, tracking::RunStatus::Finished, nowMs());
        !ended)
        return failed(context, ended.errorMessage());
    context.log(QStringLiteral("run %1 finished: test accuracy %2, test loss %3")
                    .arg(runId)
                    .arg(report->accuracy, 0, 'f', 4)
                    .arg(report->meanLoss, 0, 'f', 4));

    // The challenger.
    Result<registry::ModelVersion> version = registerRunModel(
        m_environment, context, model, runId,
        QStringLiteral("Update of version %1 on batch %2").arg(current->version).arg(batchId),
        {{QStringLiteral("millrace.role"), QStringLiteral("challenger")},
         {QStringLiteral("millrace.batch_id"), batchId},
         {QStringLiteral("millrace.parent_version"), QString::number(current->version)}});
    if (!version)
        return failed(context, version.errorMessage());
    const registry::Stage stage =
        *registry::stageFromString(params.string(QStringLiteral("stage")));
    if (stage != registry::Stage::None) {
        Result<registry::ModelVersion> moved = m_environment.registry.transitionStage(
            model, version->version, stage, false, pipelineActor(context));
        if (!moved)
            return failed(context, moved.errorMessage());
        context.log(QStringLiteral("version %1 moved to %2")
                        .arg(version->version)
                        .arg(registry::toString(stage)));
    }
    context.setProgress(1.0);
    return succeeded({{QStringLiteral("run_id"), runId},
                      {QStringLiteral("model"), model},
                      {QStringLiteral("version"), version->version},
                      {QStringLiteral("champion"), current->version},
                      {QStringLiteral("batch_id"), batchId},
                      {QStringLiteral("test_accuracy"), number(report->accuracy)},
                      {QStringLiteral("test_loss"), number(report->meanLoss)},
                      {QStringLiteral("new_samples"), qint64(updated->newSamples)},
                      {QStringLiteral("replay_samples"), qint64(updated->replaySamples)}});
}

// evaluate_and_decide ----------------------------------------------------------------------

QString EvaluateAndDecideOperator::summary() const
{
    return QStringLiteral("Scores a challenger and the champion on the fixed test set and "
                          "promotes the challenger only when it is better.");
}

QList<ParamSpec> EvaluateAndDecideOperator::params() const
{
    ParamSpec challenger{QStringLiteral("challenger"), QStringLiteral("integer"),
                         QStringLiteral("The challenger's version. Default: the version of the "
                                        "challenger_task's result.")};
    challenger.minimum = 1;
    ParamSpec metric{QStringLiteral("metric"), QStringLiteral("string"),
                     QStringLiteral("The test-set figure the models are compared by."),
                     QStringLiteral("accuracy")};
    metric.allowed = {QStringLiteral("accuracy"),           QStringLiteral("loss"),
                      QStringLiteral("macro_f1"),           QStringLiteral("macro_precision"),
                      QStringLiteral("macro_recall"),       QStringLiteral("weighted_f1"),
                      QStringLiteral("weighted_precision"), QStringLiteral("weighted_recall")};
    ParamSpec minImprovement{QStringLiteral("min_improvement"), QStringLiteral("number"),
                             QStringLiteral("How much better the challenger must be, in the "
                                            "metric's unit; 0: strictly better."),
                             0};
    minImprovement.minimum = 0;
    return {
        modelParam(),
        challenger,
        {QStringLiteral("challenger_task"), QStringLiteral("string"),
         QStringLiteral("Upstream update_model task whose result names the challenger."),
         QStringLiteral("update")},
        metric,
        minImprovement,
        aliasParam(QStringLiteral("Alias naming the champion, moved to a promoted challenger."),
                   kChampionAlias),
        {QStringLiteral("test_dir"), QStringLiteral("string"),
         QStringLiteral("Folder of the Fashion-MNIST files whose test images judge the models. "
                        "Default: the split prepare_data wrote.")},
    };
}

TaskOutcome EvaluateAndDecideOperator::execute(TaskContext &context, const TaskParams &params)
{
    const QString model = params.string(QStringLiteral("model"));
    const QString challengerTask = params.string(QStringLiteral("challenger_task"));
    const qint64 challenger =
        params.has(QStringLiteral("challenger"))
            ? params.integer(QStringLiteral("challenger"))
            : upstreamField(context, challengerTask, QStringLiteral("version")).toInteger();
    if (challenger <= 0)
        return failed(context, QStringLiteral("no challenger to judge: give param \"challenger\" "
                                              "or run after an update_model task '%1'")
                                   .arg(challengerTask));
    Result<QString> directory = dataDirectory(m_environment, params, QStringLiteral("test_dir"));
    if (!directory)
        return failed(context, directory.errorMessage());
    ml::Result<ml::Dataset> testSet =
        ml::readFashionMnist(directory->toStdString(), ml::FashionMnistPart::Test);
    if (!testSet)
        return failed(context, text(testSet.error().message));
    context.setProgress(0.1);

    training::ChallengeRequest request;
    request.modelName = model;
    request.challenger = challenger;
    request.rule.metric = params.string(QStringLiteral("metric")).toStdString();
    request.rule.minImprovement = params.number(QStringLiteral("min_improvement"));
    request.championAlias = params.string(QStringLiteral("champion_alias"));
    request.actor = pipelineActor(context);
    context.log(QStringLiteral("judging version %1 of %2 on %3 test images by %4")
                    .arg(challenger)
                    .arg(model)
                    .arg(testSet->size())
                    .arg(params.string(QStringLiteral("metric"))));
    Result<training::ChallengeOutcome> outcome = training::challengeChampion(
        m_environment.registry, m_environment.architectures, *testSet, request);
    if (!outcome)
        return failed(context, outcome.errorMessage());
    const registry::PromotionVerdict &verdict = outcome->verdict;
    const QJsonObject &evaluation = verdict.evaluation;
    // A retry after a try that promoted but did not report back finds the challenger already
    // champion; downstream tasks (promote, export) should then go ahead as after a promotion.
    const bool championNow = verdict.promote || outcome->champion == challenger;
    context.log(QStringLiteral("%1: %2").arg(verdict.promote ? QStringLiteral("promoted")
                                                             : QStringLiteral("kept the "
                                                                              "champion"),
                                             verdict.reason));

    // The seed logs with each update whether it replaced the current model: the verdict goes on
    // the challenger's run as well as into the registry's history.
    if (!outcome->challenger.runId.isEmpty()) {
        QList<tracking::MetricPoint> metrics;
        const qint64 now = nowMs();
        if (evaluation.value(QStringLiteral("champion")).isDouble())
            metrics.append({QStringLiteral("champion_") + params.string(QStringLiteral("metric")),
                            evaluation.value(QStringLiteral("champion")).toDouble(), now, 0});
        metrics.append({QStringLiteral("promoted"), verdict.promote ? 1.0 : 0.0, now, 0});
        if (Result<void> logged = m_environment.tracking.logBatch(
                outcome->challenger.runId, metrics, {},
                {{QStringLiteral("millrace.promoted"),
                  verdict.promote ? QStringLiteral("true") : QStringLiteral("false")},
                 {QStringLiteral("millrace.verdict"), verdict.reason.left(5000)}});
            !logged)
            context.log(QStringLiteral("warning: the verdict is in the registry but not on run "
                                       "%1: %2")
                            .arg(outcome->challenger.runId, logged.errorMessage()));
    }
    context.setProgress(1.0);
    return succeeded(
        {{QStringLiteral("model"), model},
         {QStringLiteral("promoted"), championNow},
         {QStringLiteral("champion"), outcome->champion},
         {QStringLiteral("challenger"), challenger},
         {QStringLiteral("reason"), verdict.reason},
         {QStringLiteral("metric"), params.string(QStringLiteral("metric"))},
         {QStringLiteral("champion_value"), evaluation.value(QStringLiteral("champion"))},
         {QStringLiteral("challenger_value"), evaluation.value(QStringLiteral("challenger"))},
         {QStringLiteral("improvement"), evaluation.value(QStringLiteral("improvement"))},
         {QStringLiteral("min_improvement"), request.rule.minImprovement},
         {QStringLiteral("stage"), registry::toString(outcome->challenger.stage)},
         {QStringLiteral("evaluation"), evaluation}});
}

// promote ----------------------------------------------------------------------------------

QString PromoteOperator::summary() const
{
    return QStringLiteral("Moves a model version to a stage, archiving the others there; skips "
                          "when the decision upstream kept the champion.");
}

QList<ParamSpec> PromoteOperator::params() const
{
    ParamSpec version{QStringLiteral("version"), QStringLiteral("integer"),
                      QStringLiteral("The version. Default: the challenger of the "
                                     "decision_task's result.")};
    version.minimum = 1;
    ParamSpec stage{QStringLiteral("stage"), QStringLiteral("string"),
                    QStringLiteral("Stage to move the version to."), QStringLiteral("Production")};
    stage.allowed = stageNames();
    return {
        modelParam(),
        version,
        {QStringLiteral("decision_task"), QStringLiteral("string"),
         QStringLiteral("Upstream evaluate_and_decide task; when its result says the champion "
                        "stays, this task is skipped."),
         QStringLiteral("evaluate")},
        stage,
        {QStringLiteral("archive_existing"), QStringLiteral("boolean"),
         QStringLiteral("Move the other versions in Staging or Production to Archived."), true},
        {QStringLiteral("alias"), QStringLiteral("string"),
         QStringLiteral("Alias to point at the version; empty for none."), QString()},
    };
}

TaskOutcome PromoteOperator::execute(TaskContext &context, const TaskParams &params)
{
    const QString model = params.string(QStringLiteral("model"));
    const QString decisionTask = params.string(QStringLiteral("decision_task"));
    const QJsonValue promoted = upstreamField(context, decisionTask, QStringLiteral("promoted"));
    if (promoted.isBool() && !promoted.toBool())
        return skipped(
            context,
            QStringLiteral("the decision kept the champion: %1")
                .arg(upstreamField(context, decisionTask, QStringLiteral("reason")).toString()));
    const qint64 version =
        params.has(QStringLiteral("version"))
            ? params.integer(QStringLiteral("version"))
            : upstreamField(context, decisionTask, QStringLiteral("challenger")).toInteger();
    if (version <= 0)
        return failed(context, QStringLiteral("no version to promote: give param \"version\" or "
                                              "run after an evaluate_and_decide task '%1'")
                                   .arg(decisionTask));
    const QString alias = params.string(QStringLiteral("alias"));
    if (!alias.isEmpty()) {
        if (Result<void> valid = registry::validateAliasName(alias); !valid)
            return failed(context, valid.errorMessage());
    }
    Result<registry::ModelVersion> before = m_environment.registry.modelVersion(model, version);
    if (!before)
        return failed(context, before.errorMessage());
    const registry::Stage stage =
        *registry::stageFromString(params.string(QStringLiteral("stage")));
    const bool archive =
        params.boolean(QStringLiteral("archive_existing"))
        && (stage == registry::Stage::Staging || stage == registry::Stage::Production);
    const QString reason =
        promoted.isBool()
            ? upstreamField(context, decisionTask, QStringLiteral("reason")).toString()
            : QString();
    const registry::Actor actor = pipelineActor(context, reason);
    Result<registry::ModelVersion> after =
        m_environment.registry.transitionStage(model, version, stage, archive, actor);
    if (!after)
        return failed(context, after.errorMessage());
    // The decision step promotes already; this step then only confirms the stage.
    context.log(before->stage == stage
                    ? QStringLiteral("version %1 of %2 is in %3")
                          .arg(version)
                          .arg(model, registry::toString(stage))
                    : QStringLiteral("version %1 of %2 moved from %3 to %4%5")
                          .arg(version)
                          .arg(model, registry::toString(before->stage), registry::toString(stage),
                               archive ? QStringLiteral(" (others there archived)") : QString()));
    if (!alias.isEmpty()) {
        if (Result<void> set = m_environment.registry.setAlias(model, alias, version, actor); !set)
            return failed(context, set.errorMessage());
        context.log(QStringLiteral("alias %1 -> version %2").arg(alias).arg(version));
    }
    context.setProgress(1.0);
    return succeeded({{QStringLiteral("model"), model},
                      {QStringLiteral("version"), version},
                      {QStringLiteral("stage"), registry::toString(after->stage)},
                      {QStringLiteral("previous_stage"), registry::toString(before->stage)},
                      {QStringLiteral("alias"), alias}});
}

// export_onnx ------------------------------------------------------------------------------

QString ExportOnnxOperator::summary() const
{
    return QStringLiteral("Exports a registered model version to ONNX, by default into the "
                          "version's folder.");
}

QList<ParamSpec> ExportOnnxOperator::params() const
{
    ParamSpec version{QStringLiteral("version"), QStringLiteral("integer"),
                      QStringLiteral("The version to export.")};
    version.minimum = 1;
    ParamSpec stage{QStringLiteral("stage"), QStringLiteral("string"),
                    QStringLiteral("Export the newest version in this stage (when neither a "
                                   "version nor an alias is given).")};
    stage.allowed = stageNames();
    ParamSpec opset{QStringLiteral("opset"), QStringLiteral("integer"),
                    QStringLiteral("ONNX operator set."), ml::kOnnxMaximumOpset};
    opset.minimum = ml::kOnnxMinimumOpset;
    opset.maximum = ml::kOnnxMaximumOpset;
    return {
        modelParam(),
        version,
        {QStringLiteral("version_task"), QStringLiteral("string"),
         QStringLiteral("Upstream task whose result's version is exported (when no version is "
                        "given); empty for none."),
         QString()},
        {QStringLiteral("alias"), QStringLiteral("string"),
         QStringLiteral("Export the version this alias names (when no version is given)."),
         kChampionAlias},
        stage,
        {QStringLiteral("output_dir"), QStringLiteral("string"),
         QStringLiteral("Folder to write model.onnx and MLmodel into. Default: the version's "
                        "folder in models/.")},
        opset,
    };
}

TaskOutcome ExportOnnxOperator::execute(TaskContext &context, const TaskParams &params)
{
    const QString model = params.string(QStringLiteral("model"));
    registry::RegistryStore &registry = m_environment.registry;
    const QString versionTask = params.string(QStringLiteral("version_task"));
    Result<registry::ModelVersion> version = fail(QString());
    if (params.has(QStringLiteral("version"))) {
        version = registry.modelVersion(model, params.integer(QStringLiteral("version")));
    } else if (const QJsonValue upstream =
                   upstreamField(context, versionTask, QStringLiteral("version"));
               upstream.isDouble()) {
        version = registry.modelVersion(model, upstream.toInteger());
    } else if (params.has(QStringLiteral("stage")) && !params.given(QStringLiteral("alias"))) {
        const QString stageName = params.string(QStringLiteral("stage"));
        Result<QList<registry::ModelVersion>> latest =
            registry.latestVersions(model, {*registry::stageFromString(stageName)});
        if (!latest)
            version = latest.error();
        else if (latest->isEmpty())
            version = fail(QStringLiteral("model '%1' has no version in %2").arg(model, stageName));
        else
            version = latest->first();
    } else if (const QString alias = params.string(QStringLiteral("alias")); !alias.isEmpty()) {
        version = registry.versionByAlias(model, alias);
        if (!version)
            version = fail(QStringLiteral("model '%1' has no version with the alias '%2': %3")
                               .arg(model, alias, version.errorMessage()));
    } else {
        version = fail(QStringLiteral("which version? Give param \"version\", \"alias\", "
                                      "\"stage\" or \"version_task\""));
    }
    if (!version)
        return failed(context, version.errorMessage());
    if (version->directory.isEmpty())
        return failed(context, QStringLiteral("version %1 of %2 has no files (%3)")
                                   .arg(version->version)
                                   .arg(model, registry::toString(version->status)));
    const QString output = params.has(QStringLiteral("output_dir"))
                               ? params.string(QStringLiteral("output_dir"))
                               : version->directory;

    CancellationRelay relay(context);
    ml::OnnxExportOptions options;
    options.opset = int(params.integer(QStringLiteral("opset")));
    ProgressThrottle progress(context);
    options.progress = [&](double fraction, const std::string &) { progress.report(fraction); };
    options.cancelled = [&relay] { return relay.isCancelled(); };
    context.log(QStringLiteral("exporting version %1 of %2 to %3 (opset %4)")
                    .arg(version->version)
                    .arg(model, output)
                    .arg(options.opset));
    Result<ml::OnnxExportReport> report = training::exportVersionToOnnx(
        registry, m_environment.architectures, model, version->version, output, options);
    if (!report)
        return failed(context, report.errorMessage());
    const QString path = QString::fromStdString(report->modelPath);
    context.log(QStringLiteral("wrote %1: %2 bytes, %3 nodes, checker: %4")
                    .arg(path)
                    .arg(report->modelBytes)
                    .arg(report->nodeCount)
                    .arg(text(report->checkerVerdict)));
    context.setProgress(1.0);
    return succeeded({{QStringLiteral("model"), model},
                      {QStringLiteral("version"), version->version},
                      {QStringLiteral("path"), path},
                      {QStringLiteral("directory"), QFileInfo(path).absolutePath()},
                      {QStringLiteral("bytes"), qint64(report->modelBytes)},
                      {QStringLiteral("opset"), report->opset},
                      {QStringLiteral("checker"), text(report->checkerVerdict)}});
}

} // namespace millrace::pipeline
