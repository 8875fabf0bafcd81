#pragma once

#include "core/base/durablefiles.h"
#include "core/base/result.h"

#include <QString>

namespace millrace::registry {

/// The folder name under models/ for a registered model's name: the name itself where it is
/// a safe file name, with other characters (and a leading dot) percent-encoded.
QString modelFolderName(const QString &modelName);

// The durable file helpers moved to core/base/durablefiles.h (streams' batches use them too);
// the registry keeps calling them by their old names.
using millrace::copyDurably;
using millrace::removeTree;
using millrace::renameDurably;

} // namespace millrace::registry
