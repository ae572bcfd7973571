/**
 * The series the node agent produces: stable `aidc_*` names with the unit in the name, Prometheus
 * type and label names. Exporters (the server's /metrics) and documentation read this table.
 */
export interface MetricInfo {
  readonly help: string;
  readonly type: "gauge" | "counter";
  readonly labels: readonly string[];
}

const g = (help: string, ...labels: string[]): MetricInfo => ({ help, type: "gauge", labels: ["node", ...labels] });
const c = (help: string, ...labels: string[]): MetricInfo => ({ help, type: "counter", labels: ["node", ...labels] });

export const AGENT_METRICS = {
  aidc_node_cpu_utilization_ratio: g("Busy share of all CPUs since the previous sample (0-1)"),
  aidc_node_cpu_core_utilization_ratio: g("Busy share of one CPU core since the previous sample (0-1)", "cpu"),
  aidc_node_cpus: g("Logical CPUs of the node"),
  aidc_node_memory_total_bytes: g("Physical memory"),
  aidc_node_memory_available_bytes: g("Memory available to new processes without swapping (MemAvailable)"),
  aidc_node_memory_used_bytes: g("Memory in use (total - available)"),
  aidc_node_memory_used_ratio: g("Memory in use as a share of total (0-1)"),
  aidc_node_disk_read_bytes_total: c("Bytes read from a disk", "device"),
  aidc_node_disk_written_bytes_total: c("Bytes written to a disk", "device"),
  aidc_node_disk_io_time_seconds_total: c("Time a disk spent doing I/O", "device"),
  aidc_node_filesystem_size_bytes: g("Size of a filesystem", "mountpoint", "fstype"),
  aidc_node_filesystem_used_bytes: g("Used bytes of a filesystem (size - free)", "mountpoint", "fstype"),
  aidc_node_filesystem_used_ratio: g("Used share of a filesystem as unprivileged users see it (0-1)", "mountpoint", "fstype"),
  aidc_node_network_receive_bytes_total: c("Bytes received by a network interface", "device"),
  aidc_node_network_transmit_bytes_total: c("Bytes sent by a network interface", "device"),
  aidc_node_network_receive_errors_total: c("Receive errors of a network interface", "device"),
  aidc_node_network_transmit_errors_total: c("Transmit errors of a network interface", "device"),
  aidc_node_network_receive_drops_total: c("Received packets dropped by a network interface", "device"),
  aidc_node_network_transmit_drops_total: c("Sent packets dropped by a network interface", "device"),
  aidc_gpu_utilization_ratio: g("GPU busy share over nvidia-smi's sample period (0-1)", "gpu"),
  aidc_gpu_memory_used_bytes: g("GPU memory in use", "gpu"),
  aidc_gpu_memory_total_bytes: g("GPU memory", "gpu"),
  aidc_gpu_power_watts: g("GPU power draw", "gpu"),
  aidc_gpu_temperature_celsius: g("GPU core temperature", "gpu"),
  aidc_gpu_ecc_errors_total: c("Uncorrected ECC errors since the driver loaded (volatile)", "gpu"),
  aidc_job_cpu_seconds_total: c("CPU time (user + system) of a running job's processes on this node", "job", "run"),
  aidc_job_memory_rss_bytes: g("Resident memory of a running job's processes on this node", "job", "run"),
  aidc_job_processes: g("Processes of a running job on this node", "job", "run"),
  aidc_job_gpus: g("GPUs a running job holds on this node (AIDC_GPUS)", "job", "run"),
  aidc_job_gpu_utilization_ratio: g("Mean utilisation of the GPUs a running job holds (0-1; shared GPUs count whole)", "job", "run"),
  aidc_job_gpu_memory_used_bytes: g("Memory used on the GPUs a running job holds", "job", "run"),
  aidc_agent_sample_duration_seconds: g("Time the node agent took for its last sample"),
} as const satisfies Record<string, MetricInfo>;

export type AgentMetricName = keyof typeof AGENT_METRICS;
