#include "core/base/loginname.h"

#include <QDir>

#include <pwd.h>
#include <unistd.h>

namespace millrace {

QString loginName()
{
    QString login = qEnvironmentVariable("USER");
    if (login.isEmpty()) {
        if (const passwd *entry = ::getpwuid(::getuid()); entry && entry->pw_name)
            login = QString::fromLocal8Bit(entry->pw_name);
    }
    if (login.isEmpty())
        login = QDir::home().dirName();
    return login;
}

} // namespace millrace
