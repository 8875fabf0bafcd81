#pragma once

#include "core/ml/dataset.h"
#include "core/pipeline/operatorsupport.h"

#include <memory>
#include <mutex>

namespace millrace::pipeline {

/// prepare_data: checks the Fashion-MNIST files and writes seed 000's train / test /
/// stream-holdout split into the workspace (see fashionsplit.h). Result: {"train", "test",
/// "holdout", "seed", "directory", "reused"}.
class PrepareDataOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("prepare_data"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

/// publish_samples: publishes records drawn from the stream-holdout to a topic of the current
/// cluster with the stream simulator, creating the topic when it is missing. Result:
/// {"topic", "published", "seed", "seconds", "rate"}.
class PublishSamplesOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("publish_samples"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;

private:
    // The holdout, read once per folder: an hourly task need not decompress 30 MB each time.
    Result<std::shared_ptr<const ml::Dataset>> holdout(const QString &directory);
    std::mutex m_holdoutMutex;
    QString m_holdoutDirectory;
    std::shared_ptr<const ml::Dataset> m_holdout;
};

/// drain_topic: drains the new messages of a topic into a batch of the workspace (exactly once
/// per consumer group), or skips when fewer than min_messages are waiting. Result:
/// {"batch_id", "topic", "group", "messages", "samples", "dead_letters", "duplicates",
/// "partitions": [{"partition", "first_offset", "last_offset", "samples", "dead_letters"}],
/// "offsets_committed", "stop"}.
class DrainTopicOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("drain_topic"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

/// archive_batch: marks the batch an update trained on as used by its run, moving it from
/// data/incoming to data/used. Skips when there is no batch (the drain found nothing).
/// Result: {"batch_id", "run_id", "path"}.
class ArchiveBatchOperator : public PipelineOperator
{
public:
    using PipelineOperator::PipelineOperator;
    QString id() const override { return QStringLiteral("archive_batch"); }
    QString summary() const override;

protected:
    QList<ParamSpec> params() const override;
    plugins::TaskOutcome execute(plugins::TaskContext &context, const TaskParams &params) override;
};

} // namespace millrace::pipeline
