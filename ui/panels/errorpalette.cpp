#include "ui/panels/errorpalette.h"

namespace millrace::ui {

QPalette errorPalette(const QPalette &base)
{
    const QColor window = base.color(QPalette::Window);
    const bool dark = window.lightness() < 128;
    const QColor text = dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb7, 0x1c, 0x1c);
    const double share = dark ? 0.16 : 0.09;
    QPalette palette = base;
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Window,
                     QColor::fromRgbF(float(window.redF() * (1 - share) + text.redF() * share),
                                      float(window.greenF() * (1 - share) + text.greenF() * share),
                                      float(window.blueF() * (1 - share) + text.blueF() * share)));
    return palette;
}

} // namespace millrace::ui
