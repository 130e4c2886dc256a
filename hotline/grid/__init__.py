"""Level 4 of the service network: 党员中心户 / 智慧农牧户 under the village stations.

- register: the shipped 84 中心户 and the household register (who is linked to whom, which 嘎查)
- tasks: 帮办/代办/上门 requests routed to a 中心户 and their outcome ("已上门/已代办" with a note)
"""
