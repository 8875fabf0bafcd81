#include "ui/dialogs/pluginsdialog.h"

#include "core/plugins/pluginmanager.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace millrace::ui {

PluginsDialog::PluginsDialog(const PluginManager &plugins, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("pluginsDialog"));
    setWindowTitle(tr("Plugins"));

    auto *loaded = new QTreeWidget;
    loaded->setObjectName(QStringLiteral("loadedPlugins"));
    loaded->setRootIsDecorated(false);
    loaded->setHeaderLabels({tr("Plugin"), tr("Kind"), tr("Version"), tr("Description")});
    for (const PluginInfo &info : plugins.plugins()) {
        auto *item =
            new QTreeWidgetItem(loaded, {info.name, info.kind, info.version, info.description});
        item->setToolTip(0, tr("%1\n%2").arg(info.id, info.file));
    }
    loaded->header()->setSectionResizeMode(QHeaderView::ResizeToContents);

    auto *rejected = new QTreeWidget;
    rejected->setObjectName(QStringLiteral("rejectedPlugins"));
    rejected->setRootIsDecorated(false);
    rejected->setHeaderLabels({tr("Library"), tr("Why it was not loaded")});
    for (const PluginLoadError &error : plugins.errors()) {
        auto *item =
            new QTreeWidgetItem(rejected, {QFileInfo(error.file).fileName(), error.message});
        item->setToolTip(0, error.file);
        item->setToolTip(1, error.message);
    }
    rejected->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Loaded, in load order:")));
    layout->addWidget(loaded, 2);
    layout->addWidget(
        new QLabel(plugins.errors().isEmpty() ? tr("No library was rejected.") : tr("Rejected:")));
    layout->addWidget(rejected, 1);
    rejected->setVisible(!plugins.errors().isEmpty());
    layout->addWidget(buttons);
    resize(720, 420);
}

} // namespace millrace::ui
