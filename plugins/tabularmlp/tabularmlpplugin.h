#pragma once

#include "plugins/api/modelarchitecture.h"
#include "plugins/tabularmlp/mlparchitecture.h"

#include <QObject>

/// Makes the tabular MLP (mlparchitecture.h) loadable as a model-architecture plugin.
class TabularMlpPlugin : public QObject, public millrace::plugins::ModelArchitecture
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceModelArchitecture_iid FILE "tabularmlp.json")
    Q_INTERFACES(millrace::plugins::ModelArchitecture)

public:
    const millrace::ml::Architecture &architecture() const override { return m_architecture; }

private:
    millrace::models::MlpArchitecture m_architecture;
};
