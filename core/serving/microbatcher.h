#pragma once

#include "core/base/result.h"
#include "core/serving/scoringprotocol.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace millrace::serving {

class ServedModel;

/// Micro-batching for the scoring server (as TorchServe's and Triton's dynamic batching):
/// requests that arrive within `maxWait` of each other are scored together, up to `maxRows`
/// rows, in one forward pass per model version, and each gets its own rows of the outputs back.
/// Fewer, larger passes trade a little latency for throughput when many small requests come at
/// once. Runs the passes on a thread of its own; predict() blocks its caller until its rows are
/// scored.
class MicroBatcher
{
public:
    /// `onPass` hears of every pass and its rows (for the metrics), on the batching thread.
    MicroBatcher(qint64 maxRows, std::chrono::microseconds maxWait,
                 std::function<void(qint64 rows)> onPass = {});
    /// Scores what is queued, then stops the batching thread.
    ~MicroBatcher();

    /// The outputs of `model` for `batch`, as ServedModel::predict() gives them. Safe from any
    /// number of threads at once.
    Result<std::vector<float>> predict(std::shared_ptr<const ServedModel> model,
                                       const ScoringBatch &batch);
    /// Forward passes run so far (fewer than requests when batching merged some).
    quint64 passCount() const { return m_passes.load(); }

    /// Scores `batches` in one pass of `model`, and gives each its own rows of the outputs, as
    /// `model.predict()` would give them alone. When the pass fails (one batch's rows cannot be
    /// encoded), each batch is scored alone instead, so that one bad request does not fail the
    /// others.
    static std::vector<Result<std::vector<float>>>
    scoreTogether(const ServedModel &model, const std::vector<const ScoringBatch *> &batches);

private:
    struct Pending
    {
        std::shared_ptr<const ServedModel> model;
        const ScoringBatch *batch;
        std::promise<Result<std::vector<float>>> outputs;
    };
    void run();
    /// Takes the requests to score next: those of the oldest request's model, up to maxRows.
    std::vector<Pending *> takeGroup();
    void score(const std::vector<Pending *> &group);

    const qint64 m_maxRows;
    const std::chrono::microseconds m_maxWait;
    const std::function<void(qint64)> m_onPass;
    std::mutex m_mutex;
    std::condition_variable m_arrived;
    std::deque<Pending *> m_queue;
    bool m_stopping = false;
    std::atomic<quint64> m_passes{0};
    std::thread m_thread;
};

} // namespace millrace::serving
