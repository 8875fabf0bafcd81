#include "core/serving/modelrouter.h"

#include <QRandomGenerator>

namespace millrace::serving {

void ModelRouter::deploy(std::shared_ptr<const Deployment> deployment)
{
    m_deployment.store(std::move(deployment));
}

std::shared_ptr<const ServedModel> ModelRouter::choose() const
{
    const std::shared_ptr<const Deployment> current = m_deployment.load();
    if (!current)
        return nullptr;
    if (current->candidate && current->candidateWeight > 0
        && (current->candidateWeight >= 1 || !current->primary
            || QRandomGenerator::global()->generateDouble() < current->candidateWeight))
        return current->candidate;
    return current->primary;
}

} // namespace millrace::serving
