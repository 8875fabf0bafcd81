#include "core/serving/microbatcher.h"

#include "core/serving/servedmodel.h"

#include <algorithm>

namespace millrace::serving {

MicroBatcher::MicroBatcher(qint64 maxRows, std::chrono::microseconds maxWait,
                           std::function<void(qint64)> onPass)
    : m_maxRows(std::max<qint64>(1, maxRows)), m_maxWait(maxWait), m_onPass(std::move(onPass)),
      m_thread([this] { run(); })
{
}

MicroBatcher::~MicroBatcher()
{
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_arrived.notify_all();
    m_thread.join();
}

Result<std::vector<float>> MicroBatcher::predict(std::shared_ptr<const ServedModel> model,
                                                 const ScoringBatch &batch)
{
    Pending pending{std::move(model), &batch, {}};
    std::future<Result<std::vector<float>>> outputs = pending.outputs.get_future();
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(&pending);
    }
    m_arrived.notify_one();
    return outputs.get();
}

void MicroBatcher::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_arrived.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
        if (m_queue.empty())
            return; // stopping, and nothing left to score
        // Wait for company: until the batch is full, or the first request has waited its share.
        const auto deadline = std::chrono::steady_clock::now() + m_maxWait;
        m_arrived.wait_until(lock, deadline, [this] {
            qint64 rows = 0;
            for (const Pending *pending : m_queue)
                rows += pending->batch->rows;
            return m_stopping || rows >= m_maxRows;
        });
        std::vector<Pending *> group = takeGroup();
        lock.unlock();
        score(group);
        lock.lock();
    }
}

std::vector<MicroBatcher::Pending *> MicroBatcher::takeGroup()
{
    std::vector<Pending *> group;
    const ServedModel *model = m_queue.front()->model.get();
    qint64 rows = 0;
    for (auto it = m_queue.begin(); it != m_queue.end();) {
        Pending *pending = *it;
        const bool fits = group.empty() || rows + pending->batch->rows <= m_maxRows;
        if (pending->model.get() != model || !fits) {
            ++it;
            continue;
        }
        rows += pending->batch->rows;
        group.push_back(pending);
        it = m_queue.erase(it);
    }
    return group;
}

void MicroBatcher::score(const std::vector<Pending *> &group)
{
    ++m_passes;
    std::vector<const ScoringBatch *> batches;
    qint64 rows = 0;
    for (const Pending *pending : group) {
        batches.push_back(pending->batch);
        rows += pending->batch->rows;
    }
    if (m_onPass)
        m_onPass(rows);
    std::vector<Result<std::vector<float>>> outputs = scoreTogether(*group.front()->model, batches);
    for (std::size_t i = 0; i < group.size(); ++i)
        group[i]->outputs.set_value(std::move(outputs[i]));
}

std::vector<Result<std::vector<float>>>
MicroBatcher::scoreTogether(const ServedModel &model,
                            const std::vector<const ScoringBatch *> &batches)
{
    std::vector<Result<std::vector<float>>> answers;
    answers.reserve(batches.size());
    if (batches.size() == 1) {
        answers.push_back(model.predict(*batches.front()));
        return answers;
    }
    ScoringBatch merged = *batches.front();
    for (std::size_t i = 1; i < batches.size(); ++i) {
        const ScoringBatch &batch = *batches[i];
        merged.rows += batch.rows;
        merged.values.insert(merged.values.end(), batch.values.begin(), batch.values.end());
        merged.cells.insert(merged.cells.end(), batch.cells.begin(), batch.cells.end());
    }
    Result<std::vector<float>> outputs = model.predict(merged);
    if (!outputs) {
        for (const ScoringBatch *batch : batches)
            answers.push_back(model.predict(*batch));
        return answers;
    }
    const std::size_t width = std::size_t(model.outputWidth());
    std::size_t offset = 0;
    for (const ScoringBatch *batch : batches) {
        const std::size_t count = std::size_t(batch->rows) * width;
        answers.push_back(std::vector<float>(outputs->begin() + std::ptrdiff_t(offset),
                                             outputs->begin() + std::ptrdiff_t(offset + count)));
        offset += count;
    }
    return answers;
}

} // namespace millrace::serving
