// Chart.js with only the parts the reports and the retrospective draw
// (bars and lines on a category axis), registered once. It is imported
// dynamically, so neither the shell nor a page's first paint waits for it.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

export { Chart };
