#pragma once

#include <QDialog>

namespace millrace {
class PluginManager;
}

namespace millrace::ui {

/// Lists the plugins Millrace loaded, in load order, and the libraries it rejected with the
/// reason, so a broken plugin is visible rather than silently missing.
class PluginsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit PluginsDialog(const PluginManager &plugins, QWidget *parent = nullptr);
};

} // namespace millrace::ui
