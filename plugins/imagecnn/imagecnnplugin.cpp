#include "plugins/imagecnn/imagecnnplugin.h"
