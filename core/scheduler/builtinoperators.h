#pragma once

#include "plugins/api/taskoperator.h"

namespace millrace::scheduler {

/// Does nothing and succeeds (Airflow's EmptyOperator): joins branches, marks milestones, and
/// measures the scheduler itself. Id "noop".
class NoopOperator : public plugins::TaskOperator
{
public:
    QJsonObject parameterSchema() const override;
    plugins::TaskOutcome run(plugins::TaskContext &context) override;
};

} // namespace millrace::scheduler
