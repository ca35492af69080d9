"""Notebook panels: plain logic classes (``*Model``, tested without a browser) and their ipywidgets views.

- ``JointPanelModel`` / ``JointPanel``: drive joints (robots directly, or a twin's target).
- ``ParameterPanelModel`` / ``ParameterPanel``: change a hidden physical parameter, watch the twin's error.
- ``TwinPlayerModel`` / ``TwinPlayer``: play / pause / step a running twin or world.
- ``twin_dashboard(twin)``: the 3D view and all three panels for a ``DigitalTwin``.
"""

from twin.ui.panel_logic import Control, JointPanelModel, ParameterPanelModel, TwinPlayerModel
from twin.ui.views import JointPanel, ParameterPanel, TwinPlayer, joint_report, twin_dashboard

__all__ = [
    "Control",
    "JointPanel",
    "JointPanelModel",
    "ParameterPanel",
    "ParameterPanelModel",
    "TwinPlayer",
    "TwinPlayerModel",
    "joint_report",
    "twin_dashboard",
]
