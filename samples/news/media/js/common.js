/* 江北日报 示例脚本：离线副本中不做任何事 */
window.jbrb = { version: 1 };
