#pragma once

#include "plugins/api/modelarchitecture.h"
#include "plugins/imagecnn/cnnarchitecture.h"

#include <QObject>

/// Makes the image CNN (cnnarchitecture.h) loadable as a model-architecture plugin.
class ImageCnnPlugin : public QObject, public millrace::plugins::ModelArchitecture
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID MillraceModelArchitecture_iid FILE "imagecnn.json")
    Q_INTERFACES(millrace::plugins::ModelArchitecture)

public:
    const millrace::ml::Architecture &architecture() const override { return m_architecture; }

private:
    millrace::models::CnnArchitecture m_architecture;
};
