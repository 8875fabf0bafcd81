#pragma once

#include "core/serving/servedmodel.h"

#include <atomic>
#include <memory>

namespace millrace::serving {

/// The model versions in service and how requests are split between them: the primary (the
/// followed stage or alias) and, during an A/B test, a candidate that gets `candidateWeight`
/// of the requests (0 to 1).
struct Deployment
{
    std::shared_ptr<const ServedModel> primary;
    std::shared_ptr<const ServedModel> candidate;
    double candidateWeight = 0;
};

/// Holds the current Deployment and hands each request the model that answers it. deploy()
/// swaps atomically: a request picks its model once, at its start, and keeps it to the end, so
/// requests in flight finish on the model they started on and none waits for a swap.
class ModelRouter
{
public:
    /// What is in service now (null before the first deploy()).
    std::shared_ptr<const Deployment> deployment() const { return m_deployment.load(); }
    /// Puts `deployment` in service.
    void deploy(std::shared_ptr<const Deployment> deployment);
    /// The model that answers one request: the candidate with its weight's probability, else
    /// the primary; null when nothing is in service.
    std::shared_ptr<const ServedModel> choose() const;

private:
    std::atomic<std::shared_ptr<const Deployment>> m_deployment;
};

} // namespace millrace::serving
