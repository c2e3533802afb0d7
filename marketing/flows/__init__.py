"""Flows: a store's automatic follow-ups (welcome, after delivery, win-back, browse
abandonment, back in stock, abandoned cart).

- ``marketing.flow_models``: the models and their semantics;
- ``defaults``: each store's six flows with ready-made steps (``ensure_flows``);
- ``triggers``: who enters a flow and when (signals, a periodic scan);
- ``engine``: the evaluation of every flow's due steps, and sending one step exactly once;
- ``content``: a step's blocks, with those filled from the trigger (products, tips, "you may
  also like");
- ``links``, ``tracking``: signed clicks, the orders credited, the report per step;
- ``product_views``: marketing's own record of product pages seen (an event sink).

Tasks: ``marketing.tasks`` (``evaluate_flows_task`` every minute, ``scan_flows_task`` every
``MARKETING_FLOW_SCAN_MINUTES``, ``send_flow_steps_task`` per chunk, ``flow_restock_task``).
"""
