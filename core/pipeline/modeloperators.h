#pragma once

#include "core/pipeline/operatorsupport.h"

namespace millrace::pipeline {

/// train_initial_model: trains a model on the prepared training split with runTrainingJob,
/// logging a tracking run (params, per-epoch metrics, test metrics, the model). Fails when the
/// job fails or is cancelled. Result: {"run_id", "test_accuracy", "test_loss", "experiment",
/// "model_uri"}.
class TrainInitialModelOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("train_initial_model"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

/// register_model: registers a finished run's model as a new version of a registered model
/// (created on first use), optionally moves it to a stage and points an alias at it. A retry
/// finds the version its earlier try registered instead of adding another. Result: {"model",
/// "version", "stage", "alias", "run_id"}.
class RegisterModelOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("register_model"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

/// update_model: seed 000's incremental update. Fine-tunes a copy of the champion on a drained
/// batch plus a replay share of the original training data (ml::updateModel), logs it as a
/// tracking run with its model, and registers it as a new version (the challenger). Result:
/// {"run_id", "model", "version", "champion", "batch_id", "test_accuracy", "test_loss",
/// "new_samples", "replay_samples"}.
class UpdateModelOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("update_model"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

/// evaluate_and_decide: scores a challenger version and the champion on the fixed test set and
/// applies a promotion rule (training::challengeChampion): the verdict and its numbers go into
/// the registry's history, and a winning challenger becomes the Production champion. Result:
/// {"promoted" (the challenger is the champion now), "champion" (the version judged against),
/// "challenger", "reason", "metric", "champion_value", "challenger_value", "improvement",
/// "min_improvement", "stage", "evaluation"}.
class EvaluateAndDecideOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("evaluate_and_decide"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

/// promote: moves a version to a stage (archiving the others there) and optionally points an
/// alias at it. Skips when the upstream decision kept the champion. Result: {"model",
/// "version", "stage", "previous_stage", "alias"}.
class PromoteOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("promote"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

/// export_onnx: exports a registered version (by number, upstream result, alias or stage) to
/// ONNX, by default into the version's own folder (models/<name>/<version>/model.onnx).
/// Result: {"model", "version", "path", "directory", "bytes", "opset", "checker"}.
class ExportOnnxOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("export_onnx"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

} // namespace millrace::pipeline
