#include "core/registry/registryfiles.h"

namespace millrace::registry {

QString modelFolderName(const QString &modelName)
{
    QString folder;
    const QByteArray utf8 = modelName.toUtf8();
    for (qsizetype i = 0; i < utf8.size(); ++i) {
        const char c = utf8.at(i);
        const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                          || c == '_' || c == '-' || c == ' ' || (c == '.' && i > 0);
        if (safe)
            folder.append(QLatin1Char(c));
        else
            folder.append(QStringLiteral("%%1").arg(uint(uchar(c)), 2, 16, QLatin1Char('0')));
    }
    return folder;
}

} // namespace millrace::registry
