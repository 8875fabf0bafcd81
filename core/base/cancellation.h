#pragma once

#include <atomic>
#include <memory>

namespace millrace {

/// A read-only view of a cancellation request, handed to long-running work (a training loop, a
/// drain of a topic). Cheap to copy; safe to check from any thread.
class CancellationToken
{
public:
    /// A token that is never cancelled.
    CancellationToken() : m_flag(std::make_shared<std::atomic_bool>(false)) {}

    bool isCancelled() const { return m_flag->load(std::memory_order_relaxed); }

private:
    friend class CancellationSource;
    explicit CancellationToken(std::shared_ptr<std::atomic_bool> flag) : m_flag(std::move(flag)) {}
    std::shared_ptr<std::atomic_bool> m_flag;
};

/// The side that may cancel: owned by whoever started the work (a UI action, the scheduler).
class CancellationSource
{
public:
    CancellationSource() : m_flag(std::make_shared<std::atomic_bool>(false)) {}

    void cancel() { m_flag->store(true, std::memory_order_relaxed); }
    bool isCancelled() const { return m_flag->load(std::memory_order_relaxed); }
    CancellationToken token() const { return CancellationToken(m_flag); }

private:
    std::shared_ptr<std::atomic_bool> m_flag;
};

} // namespace millrace
